package io.akmon.flink.ingest;

/**
 * A record the job could not use, with the reason. Poison input (does not parse, unknown type, future
 * schema version) and records too late for their window both end here instead of failing or vanishing.
 */
public class DeadLetter {
    public String reason;
    /** Where the record came from: Kafka topic, partition and offset (-1 when not from Kafka). */
    public String topic;
    public int partition = -1;
    public long offset = -1;
    /**
     * The record as received (for bytes that are not UTF-8, a lossy decoding), cut to a bounded size by
     * {@link DeadLetterPayload} so that the dead letter itself always fits the topic.
     */
    public String payload;
    /** Length of the whole record in bytes, before any cut. */
    public long payloadBytes = -1;
    /** SHA-256 of the whole record (hex), to find or compare the original. */
    public String payloadSha256;
    /** True when {@link #payload} is only the start of the record. */
    public boolean payloadTruncated;

    public DeadLetter() {
    }

    public DeadLetter(String reason, String topic, int partition, long offset, String payload) {
        this.reason = reason;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.payload = payload;
    }

    @Override
    public String toString() {
        return "DeadLetter{" + reason + " " + topic + "-" + partition + "@" + offset + "}";
    }
}

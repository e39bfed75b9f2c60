package io.akmon.flink.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.flink.ingest.DeadLetter;
import io.akmon.flink.ingest.DeadLetterPayload;
import io.akmon.flink.sink.Json;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;

/**
 * Aggregate documents from the aggregation job's topic, as facts. Aggregates of kinds no rule reads
 * (cluster) are skipped; a record that is no aggregate document at all becomes an
 * {@link #UNDECODABLE} fact carrying its dead letter, which {@link SplitUndecodable} counts and routes to
 * the dead-letter topic: nothing the job reads vanishes unseen.
 */
public class AggregateFactDeserializer implements KafkaRecordDeserializationSchema<Fact> {
    private static final long serialVersionUID = 1L;
    /** Type of the fact that stands for an undecodable record; no rule can name it. */
    public static final String UNDECODABLE = "_undecodable";

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Fact> out) {
        Fact f = decode(record.value(), record.topic(), record.partition(), record.offset());
        if (f != null) {
            out.collect(f);
        }
    }

    /** The fact of one record: an aggregate, an {@link #UNDECODABLE} fact, or null for a kind no rule reads. */
    public static Fact decode(byte[] value, String topic, int partition, long offset) {
        if (value == null) {
            return null; // a compaction tombstone
        }
        String reason;
        try {
            JsonNode doc = Json.MAPPER.readTree(value);
            Fact f = doc != null && doc.isObject() ? Facts.of(doc) : null;
            if (f != null) {
                return FactSchema.isAggregate(f.type) ? f : null;
            }
            reason = "not an aggregate document (no kind and timestamp)";
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            reason = "aggregate is not JSON: " + (m.indexOf('\n') < 0 ? m : m.substring(0, m.indexOf('\n')));
        }
        return undecodable(DeadLetterPayload.of(reason, topic, partition, offset, value));
    }

    static Fact undecodable(DeadLetter d) {
        // No event time: it must not move the watermark.
        return new Fact(UNDECODABLE, Long.MIN_VALUE)
                .with("reason", d.reason).with("topic", d.topic).with("partition", (long) d.partition)
                .with("offset", d.offset).with("payload", d.payload).with("payload_bytes", d.payloadBytes)
                .with("payload_sha256", d.payloadSha256).with("payload_truncated", d.payloadTruncated);
    }

    static DeadLetter deadLetter(Fact f) {
        DeadLetter d = new DeadLetter((String) f.get("reason"), (String) f.get("topic"),
                ((Number) f.fields.getOrDefault("partition", -1L)).intValue(),
                ((Number) f.fields.getOrDefault("offset", -1L)).longValue(), (String) f.get("payload"));
        d.payloadBytes = ((Number) f.fields.getOrDefault("payload_bytes", -1L)).longValue();
        d.payloadSha256 = (String) f.get("payload_sha256");
        d.payloadTruncated = Boolean.TRUE.equals(f.get("payload_truncated"));
        return d;
    }

    @Override
    public TypeInformation<Fact> getProducedType() {
        return TypeInformation.of(Fact.class);
    }
}

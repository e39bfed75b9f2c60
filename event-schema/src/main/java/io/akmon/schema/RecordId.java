package io.akmon.schema;

/**
 * Identity of a record: (host, boot id, cpu stream, sequence). Sequences are per CPU, start at 1 and
 * increase by one for every record the kernel tried to emit on that CPU, so a missing number is a
 * record lost and a repeated one a duplicate.
 */
public record RecordId(String host, String bootId, int cpu, long seq) {
    /** The stream of records the agent derives from kernel maps (interval aggregates, loss reports). */
    public static final int AGENT_STREAM = -1;

    /** The sequence stream this record belongs to: gaps are judged within one stream. */
    public String stream() {
        return host + '/' + bootId + '/' + cpu;
    }
}

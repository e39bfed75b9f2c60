package io.akmon.bench;

import org.apache.kafka.common.TopicPartition;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * How many agent records lie before each offset of the partitions one producer writes, when a Kafka
 * record may be a frame of several: what turns a job's committed offsets into the records it read.
 * The topics are new and the producer their only one, so a partition's offsets are 0, 1, 2, ... in the
 * order its records are sent. Thread-safe: the feeder adds while a job's run reads.
 */
final class RecordsByOffset {
    /** Per partition: element i = agent records in offsets [0, i). */
    private final Map<TopicPartition, long[]> before = new HashMap<>();
    private final Map<TopicPartition, Integer> sent = new HashMap<>();
    private long kafkaRecords;

    /** Counts a Kafka record of {@code records} agent records sent to {@code tp}; returns the offset it will land at. */
    synchronized long add(TopicPartition tp, int records) {
        int n = sent.getOrDefault(tp, 0);
        long[] b = before.computeIfAbsent(tp, x -> new long[1024]);
        if (n + 1 >= b.length) {
            b = Arrays.copyOf(b, b.length * 2);
            before.put(tp, b);
        }
        b[n + 1] = b[n] + records;
        sent.put(tp, n + 1);
        kafkaRecords++;
        return n;
    }

    synchronized long kafkaRecords() {
        return kafkaRecords;
    }

    /** The agent records before {@code offsets} (per partition; a partition not named counts none). */
    synchronized long before(Map<TopicPartition, Long> offsets) {
        long sum = 0;
        for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
            int n = sent.getOrDefault(e.getKey(), 0);
            if (e.getValue() < 0 || e.getValue() > n) {
                throw new IllegalStateException("offset " + e.getValue() + " of " + e.getKey() + " is not among the "
                        + n + " Kafka records the bench wrote there");
            }
            long[] b = before.get(e.getKey());
            sum += b == null ? 0 : b[(int) (long) e.getValue()];
        }
        return sum;
    }
}

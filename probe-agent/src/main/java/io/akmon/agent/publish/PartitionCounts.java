package io.akmon.agent.publish;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Partitions of each topic, as the producer's metadata has them, read again once a minute so that
 * partitions added to a topic get frames and heartbeats too. Publisher thread only.
 */
final class PartitionCounts {
    private static final long REFRESH_NS = TimeUnit.MINUTES.toNanos(1);

    private final LongSupplier clock;
    private final Map<String, Integer> counts = new HashMap<>();
    private long readNano;

    PartitionCounts() {
        this(System::nanoTime);
    }

    /** With a clock of its own (ns), for tests. */
    PartitionCounts(LongSupplier clock) {
        this.clock = clock;
    }

    /** The topic's partitions, or -1 if the transport does not know them (then records go alone). */
    int of(String topic, Transport transport) {
        long now = clock.getAsLong();
        Integer n = counts.get(topic);
        if (n != null && now - readNano < REFRESH_NS) {
            return n;
        }
        if (n != null) {
            counts.clear();
        }
        readNano = now;
        n = transport.partitions(topic);
        counts.put(topic, n);
        return n;
    }
}

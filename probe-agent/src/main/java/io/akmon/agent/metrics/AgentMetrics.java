package io.akmon.agent.metrics;

import io.akmon.agent.loader.ProgramCost;
import io.akmon.agent.publish.EventSink;
import io.akmon.agent.publish.HealthRecord;
import io.akmon.agent.publish.KafkaSink;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Wires the metrics of a running agent: the sink's health record (Kafka sink), the agent's own
 * counts, the losses of both sides by source, and the per-program kernel cost.
 */
public final class AgentMetrics {
    /** Agent figures exported beside the health record's (unless the health record carries them). */
    public static final String RECORDS_READ = "records_read";
    public static final String TRANSPORT_LOST = "transport_lost";

    /** Health and agent figures that only grow: exported as counters. */
    public static final Set<String> COUNTERS = Set.of(HealthRecord.RECORDS_ACCEPTED, HealthRecord.RECORDS_PRODUCED,
            HealthRecord.BYTES_PRODUCED, HealthRecord.RECORDS_REJECTED, HealthRecord.KERNEL_LOST,
            HealthRecord.SPOOL_FULL_DROPPED, HealthRecord.SPOOL_IO_DROPPED, HealthRecord.SHED_DROPPED,
            HealthRecord.PRODUCER_ERRORS, RECORDS_READ, TRANSPORT_LOST);

    /** What the agent itself counts; null members are left out. */
    public interface AgentFigures {
        long recordsRead();

        long transportLost();
    }

    private AgentMetrics() {
    }

    /**
     * @param sink     the sink the agent writes to, behind {@code tap}; a {@link KafkaSink} adds its health and losses
     * @param tap      the tap in front of the sink
     * @param agent    the agent's own counts (null until it runs)
     * @param programs per-program kernel cost (empty if not measured)
     */
    public static AgentCollector collector(EventSink sink, MetricsTap tap, Supplier<AgentFigures> agent,
                                           Supplier<List<ProgramCost>> programs) {
        KafkaSink kafka = sink instanceof KafkaSink k ? k : null;
        Supplier<Map<String, ?>> health = () -> {
            Map<String, Object> m = new LinkedHashMap<>();
            if (kafka != null) {
                m.putAll(kafka.health());
            }
            AgentFigures a = agent.get();
            if (a != null) {
                m.putIfAbsent(RECORDS_READ, a.recordsRead());
                m.putIfAbsent(TRANSPORT_LOST, a.transportLost());
            }
            return m;
        };
        Supplier<Map<String, Long>> losses = () -> {
            Map<String, Long> m = new TreeMap<>(tap.lostBySource());
            if (kafka != null) {
                kafka.lossesBySource().forEach((k, v) -> m.merge(k, v, Long::sum));
            }
            return m;
        };
        return new AgentCollector(health, COUNTERS, programs, losses, tap::recordsByType);
    }
}

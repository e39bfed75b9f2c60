package io.akmon.agent.publish;

import io.akmon.agent.event.Event;
import io.akmon.schema.Fields;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures of the sink's health record (type {@code agent}), in the order they are written.
 * Counters are totals since the sink started. The same map feeds the record and the metrics endpoint.
 */
public final class HealthRecord {
    /** Records handed to the sink by the agent and taken into the spool. */
    public static final String RECORDS_ACCEPTED = "records_accepted";
    /** Records Kafka acknowledged, the sink's own loss and health records included. */
    public static final String RECORDS_PRODUCED = "records_produced";
    public static final String BYTES_PRODUCED = "bytes_produced";
    public static final String RECORDS_REJECTED = "records_rejected";
    /** Sum of {@code lost} over the loss records the agent handed over (ring buffer, maps, decoding). */
    public static final String KERNEL_LOST = "kernel_lost";
    public static final String SPOOL_RECORDS = "spool_records";
    public static final String SPOOL_BYTES = "spool_bytes";
    public static final String SPOOL_MAX_BYTES = "spool_max_bytes";
    public static final String SPOOL_FULL_DROPPED = "spool_full_dropped";
    public static final String SPOOL_IO_DROPPED = "spool_io_dropped";
    public static final String SHED_DROPPED = "shed_dropped";
    public static final String PRODUCER_ERRORS = "producer_errors";
    public static final String KAFKA_CONNECTED = "kafka_connected";
    public static final String STARTED_NS = "started_ns";

    private HealthRecord() {
    }

    /** The sink's figures, then the extras (e.g. the agent's records read), in record order. */
    public static Map<String, Object> figures(KafkaSink.Stats s, long startedNs, long spoolMaxBytes,
                                              Map<String, ?> extras) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(STARTED_NS, startedNs);
        m.put(RECORDS_ACCEPTED, s.accepted());
        m.put(RECORDS_PRODUCED, s.produced());
        m.put(BYTES_PRODUCED, s.bytesProduced());
        m.put(RECORDS_REJECTED, s.rejected());
        m.put(KERNEL_LOST, s.kernelLost());
        m.put(SPOOL_RECORDS, s.spoolRecords());
        m.put(SPOOL_BYTES, s.spoolBytes());
        m.put(SPOOL_MAX_BYTES, spoolMaxBytes);
        m.put(SPOOL_FULL_DROPPED, s.spoolFullDropped());
        m.put(SPOOL_IO_DROPPED, s.spoolIoDropped());
        m.put(SHED_DROPPED, s.shedDropped());
        m.put(PRODUCER_ERRORS, s.producerErrors());
        m.put(KAFKA_CONNECTED, s.connected());
        if (extras != null) {
            for (Map.Entry<String, ?> e : new LinkedHashMap<String, Object>(extras).entrySet()) {
                m.put(e.getKey(), e.getValue());
            }
        }
        return m;
    }

    /** Fills a health record: the interval since the last one, then {@code figures} in order. */
    public static Event fill(Event health, long intervalNs, Map<String, Object> figures) {
        health.put(Fields.INTERVAL_NS, intervalNs);
        figures.forEach(health::put);
        return health;
    }
}

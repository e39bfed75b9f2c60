package io.akmon.agent.metrics;

import io.akmon.agent.event.Event;
import io.akmon.agent.publish.EventSink;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Passes every record on to the real sink and counts on the way: records by family, and the
 * {@code lost} figures of the agent's loss records (ring buffer, maps, decoding) by their source.
 */
public final class MetricsTap implements EventSink {
    private final EventSink next;
    private final AtomicLongArray byType = new AtomicLongArray(EventType.values().length);
    private final Map<String, LongAdder> lostBySource = new ConcurrentHashMap<>();

    public MetricsTap(EventSink next) {
        this.next = next;
    }

    @Override
    public void accept(Event event) {
        byType.incrementAndGet(event.type().ordinal());
        if (event.type() == EventType.LOST && event.get(Fields.LOST) instanceof Number n) {
            Object source = event.get(Fields.SOURCE);
            lostBySource.computeIfAbsent(String.valueOf(source), k -> new LongAdder()).add(n.longValue());
        }
        next.accept(event);
    }

    @Override
    public void flush() {
        next.flush();
    }

    @Override
    public void close() {
        next.close();
    }

    /** Records handed on, by family wire name (families never seen are 0). */
    public Map<String, Long> recordsByType() {
        Map<String, Long> m = new TreeMap<>();
        for (EventType t : EventType.values()) {
            if (t != EventType.HEARTBEAT) { // no record: the Kafka sink sends heartbeats itself
                m.put(t.wireName(), byType.get(t.ordinal()));
            }
        }
        return m;
    }

    /** Sum of {@code lost} over the loss records handed on, by source. */
    public Map<String, Long> lostBySource() {
        Map<String, Long> m = new TreeMap<>();
        lostBySource.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    public EventSink next() {
        return next;
    }
}

package io.akmon.agent.publish;

import io.akmon.agent.event.Event;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import io.akmon.schema.RecordId;
import org.apache.kafka.common.KafkaException;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Heartbeats: the host's progress, sent to every partition of every event topic once Kafka has
 * acknowledged every record before it ({@link #queue}'s barrier), so in each partition it follows every
 * record it vouches for, also when a failed send makes the publisher resend from the spool. Never
 * spooled (a restart sends new ones), counted in no record figure, and at most one in flight: while
 * the cluster is away the next waits instead of piling up in the producer.
 *
 * <p>A clean close ends with a {@link #sendClosing closing heartbeat}, so the jobs release the host's
 * watermark at once rather than after their idle-partition timeout.
 */
public final class HeartbeatFanOut {
    /** Heartbeats queued behind records not yet acknowledged; older ones are dropped past this. */
    static final int MAX_PENDING = 64;

    private final String host;
    private final String bootId;
    private final List<String> topics;
    /** {progress ns, spool index of the first record after it}, oldest first. */
    private final ArrayDeque<long[]> pending = new ArrayDeque<>();
    private final AtomicLong sent = new AtomicLong();
    /** Heartbeat sends Kafka has not answered yet. */
    private final AtomicInteger unanswered = new AtomicInteger();
    /** Heartbeats are sent on an interval or were given: only then does a close end with the closing one. */
    private volatile boolean inUse;
    private volatile boolean closingSent;

    HeartbeatFanOut(String host, String bootId, List<String> topics) {
        this.host = host;
        this.bootId = bootId;
        this.topics = List.copyOf(topics);
    }

    /** Queues a heartbeat of {@code progressNs} behind the records before spool index {@code barrier}. */
    void queue(long progressNs, long barrier) {
        synchronized (pending) {
            if (pending.size() >= MAX_PENDING) {
                pending.pollFirst();
            }
            pending.addLast(new long[] {progressNs, barrier});
            inUse = true;
        }
    }

    /** Heartbeats will go out on an interval (the first may still wait for the progress to be known). */
    void inUse() {
        inUse = true;
    }

    /** The barrier of the oldest heartbeat queued, or -1 if none is. */
    long firstBarrier() {
        synchronized (pending) {
            return pending.isEmpty() ? -1 : pending.peekFirst()[1];
        }
    }

    /**
     * Sends the newest heartbeat whose records are all acknowledged (spool acknowledged up to
     * {@code ackIndex}); older ones are superseded, and so is this one if the previous is not answered yet.
     */
    void sendDue(long ackIndex, Transport transport, PartitionCounts partitions) {
        long[] due = null;
        synchronized (pending) {
            while (!pending.isEmpty() && pending.peekFirst()[1] <= ackIndex) {
                due = pending.pollFirst();
            }
        }
        if (due == null || unanswered.get() > 0) {
            return; // the previous one is not through yet (a slow or absent cluster): this one would wait behind it
        }
        if (fanOut(heartbeat(due[0], false), transport, partitions)) {
            sent.incrementAndGet();
        }
    }

    /**
     * The last heartbeat of a clean close, {@link Fields#CLOSING} true, at {@code progressNs}: the caller
     * has seen every record acknowledged. Goes out whatever is in flight (the producer keeps each
     * partition's order), and only if heartbeats were in use: a sink that never sent one adds none at its
     * close. Returns whether it was handed to every partition.
     */
    boolean sendClosing(long progressNs, Transport transport, PartitionCounts partitions) {
        if (!inUse) {
            return false;
        }
        closingSent = fanOut(heartbeat(progressNs, true), transport, partitions);
        return closingSent;
    }

    private byte[][] heartbeat(long progressNs, boolean closing) {
        return SpoolRecord.keyAndValue(SpoolRecord.encode(record(host, bootId, progressNs, closing)));
    }

    /** A heartbeat record: on the agent stream, seq 0 (it takes no number), pid 0; {@code closing} marks the last one. */
    public static Event record(String host, String bootId, long progressNs, boolean closing) {
        Event e = new Event(EventType.HEARTBEAT, host, bootId, RecordId.AGENT_STREAM, 0, progressNs, 0, null);
        if (closing) {
            e.put(Fields.CLOSING, true);
        }
        return e;
    }

    /** To every partition of every event topic; false if a send could not start (the records' own sends report why). */
    private boolean fanOut(byte[][] kv, Transport transport, PartitionCounts partitions) {
        for (String topic : topics) {
            int n = partitions.of(topic, transport);
            for (int p = 0; p < n; p++) {
                unanswered.incrementAndGet();
                try {
                    transport.send(topic, p, kv[0], kv[1], ex -> unanswered.decrementAndGet());
                } catch (KafkaException ex) {
                    unanswered.decrementAndGet();
                    return false;
                }
            }
        }
        return true;
    }

    /** Heartbeats sent (each to every partition of every event topic), the closing one aside. */
    long sent() {
        return sent.get();
    }

    /** Whether a clean close handed the closing heartbeat to every partition. */
    boolean closingSent() {
        return closingSent;
    }

    List<String> topics() {
        return topics;
    }
}

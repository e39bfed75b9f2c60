package io.akmon.agent.publish;

import io.akmon.schema.Frames;
import org.apache.kafka.common.utils.Utils;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Packs the records of one publishing round that go to the same partition into frames: one Kafka
 * record of JSON Lines ({@link Frames}), up to a byte limit. Each record goes to the partition its
 * own key picks, as the producer's default partitioner would place it alone (murmur2 of the key),
 * so framing changes what a Kafka record holds, not where a record lands or its order there.
 * Frames close when full or at the end of the round, so framing adds no wait: at a low rate a frame
 * holds one record.
 */
final class FrameBuilder {
    /** Records bound for one partition, in spool order. */
    static final class Frame {
        final String topic;
        final int partition;
        final byte[] key;
        final List<InFlightWindow.Entry> entries = new ArrayList<>(8);
        byte[] buffer;
        int length;

        Frame(String topic, int partition, byte[] key, int capacity) {
            this.topic = topic;
            this.partition = partition;
            this.key = key;
            this.buffer = new byte[capacity];
        }

        void append(byte[] value, InFlightWindow.Entry e) {
            int need = length + (length > 0 ? 1 : 0) + value.length;
            if (need > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(need, buffer.length * 2));
            }
            if (length > 0) {
                buffer[length++] = Frames.SEPARATOR;
            }
            System.arraycopy(value, 0, buffer, length, value.length);
            length += value.length;
            entries.add(e);
        }

        byte[] value() {
            return length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
        }
    }

    private final Map<String, Frame[]> open = new HashMap<>();
    private final List<Frame> closed = new ArrayList<>();

    /** The partition of {@code key} among {@code partitions}, as Kafka's default partitioner picks it. */
    static int partitionOf(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    /**
     * Adds a record; a frame that it does not fit into is closed first. A record larger than
     * {@code limitBytes} travels in a frame of its own.
     */
    void add(String topic, int partition, int partitions, byte[] key, byte[] value, InFlightWindow.Entry e, int limitBytes) {
        Frame[] byPartition = open.get(topic);
        if (byPartition == null || byPartition.length < partitions) {
            byPartition = byPartition == null ? new Frame[partitions] : Arrays.copyOf(byPartition, partitions);
            open.put(topic, byPartition);
        }
        Frame f = byPartition[partition];
        if (f != null && f.length + 1 + value.length > limitBytes) {
            closed.add(f);
            f = null;
        }
        if (f == null) {
            f = new Frame(topic, partition, key, Math.min(limitBytes, Math.max(1024, 8 * value.length)));
            byPartition[partition] = f;
        }
        f.append(value, e);
    }

    /** Frames closed so far and every open one, in the order they were closed and then by topic and partition. */
    List<Frame> takeAll() {
        List<Frame> out = new ArrayList<>(closed);
        closed.clear();
        for (Frame[] byPartition : open.values()) {
            for (int p = 0; p < byPartition.length; p++) {
                if (byPartition[p] != null) {
                    out.add(byPartition[p]);
                    byPartition[p] = null;
                }
            }
        }
        return out;
    }

    /** Frames that are full, to send before the round ends. */
    List<Frame> takeClosed() {
        if (closed.isEmpty()) {
            return List.of();
        }
        List<Frame> out = new ArrayList<>(closed);
        closed.clear();
        return out;
    }
}

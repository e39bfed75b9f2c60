package io.akmon.schema;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Packs the records of one publishing round that go to the same partition into frames: one Kafka
 * record of JSON Lines ({@link Frames}), up to a byte limit. The caller gives each record the partition
 * its own key picks, as the producer's default partitioner would place it alone, so framing changes
 * what a Kafka record holds, not where a record lands or its order there. Frames close when full or at
 * the end of the round, so framing adds no wait: at a low rate a frame holds one record.
 *
 * <p>The agent's publisher frames what it reads from its spool, at most {@link #ROUND_RECORDS} records
 * a round; the benchmark's fleet stream frames the same way, so the jobs there read what they read from
 * agents.
 *
 * @param <T> what the caller keeps per record (the agent: the record's place in its in-flight window)
 */
public final class FrameBuilder<T> {
    /** Records the agent's publisher takes from its spool per round; the round's frames are sent at its end. */
    public static final int ROUND_RECORDS = 512;
    /** The agent's default frame limit ({@code --kafka-frame-bytes}). */
    public static final int DEFAULT_FRAME_BYTES = 64 * 1024;

    /** Records bound for one partition, in the order added. */
    public static final class Frame<T> {
        public final String topic;
        public final int partition;
        /** The first record's key: it picks the same partition as every record in the frame. */
        public final byte[] key;
        public final List<T> entries = new ArrayList<>(8);
        private byte[] buffer;
        private int length;

        Frame(String topic, int partition, byte[] key, int capacity) {
            this.topic = topic;
            this.partition = partition;
            this.key = key;
            this.buffer = new byte[capacity];
        }

        void append(byte[] value, T e) {
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

        /** Bytes of the frame's value. */
        public int length() {
            return length;
        }

        /** The Kafka record value: the records separated by {@link Frames#SEPARATOR}. */
        public byte[] value() {
            return length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
        }
    }

    private final Map<String, Frame<T>[]> open = new HashMap<>();
    private final List<Frame<T>> closed = new ArrayList<>();

    /**
     * Adds a record; a frame that it does not fit into is closed first. A record larger than
     * {@code limitBytes} travels in a frame of its own.
     */
    @SuppressWarnings("unchecked")
    public void add(String topic, int partition, int partitions, byte[] key, byte[] value, T entry, int limitBytes) {
        Frame<T>[] byPartition = open.get(topic);
        if (byPartition == null || byPartition.length < partitions) {
            byPartition = byPartition == null ? (Frame<T>[]) new Frame[partitions] : Arrays.copyOf(byPartition, partitions);
            open.put(topic, byPartition);
        }
        Frame<T> f = byPartition[partition];
        if (f != null && f.length + 1 + value.length > limitBytes) {
            closed.add(f);
            f = null;
        }
        if (f == null) {
            f = new Frame<>(topic, partition, key, Math.min(limitBytes, Math.max(1024, 8 * value.length)));
            byPartition[partition] = f;
        }
        f.append(value, entry);
    }

    /** Frames closed so far and every open one, in the order they were closed and then by topic and partition. */
    public List<Frame<T>> takeAll() {
        List<Frame<T>> out = new ArrayList<>(closed);
        closed.clear();
        for (Frame<T>[] byPartition : open.values()) {
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
    public List<Frame<T>> takeClosed() {
        if (closed.isEmpty()) {
            return List.of();
        }
        List<Frame<T>> out = new ArrayList<>(closed);
        closed.clear();
        return out;
    }
}

package io.akmon.agent.ringbuf;

import java.nio.ByteBuffer;

/** Receives each raw kernel record, little-endian, positioned at 0. Called on the reader thread. */
public interface RecordHandler {
    void onRecord(ByteBuffer record);

    /** The transport itself reports records it could not keep (perf buffer overflow). */
    default void onTransportLoss(int cpu, long lost) {
    }

    /** A poll round handed over every record it read (none, one or many). */
    default void onRoundEnd() {
    }
}

package io.akmon.agent.loader;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The operations the drainer needs of a kernel map: read every entry, look up, update and delete
 * keys. Values are little-endian; a per-CPU map hands back {@link #cpus()} slots of
 * {@link #slotSize()} bytes, in CPU order. {@link BpfMap} is the kernel's; tests use an in-memory one.
 */
public interface KernelMap {
    String name();

    int keySize();

    /** CPUs a per-CPU value spans (1 for ordinary maps). */
    int cpus();

    /** Bytes from one CPU's slot to the next in a per-CPU value. */
    int slotSize();

    default int valueBufferSize() {
        return slotSize() * cpus();
    }

    /** Visits every entry present now; entries added or removed meanwhile may or may not be seen. */
    void forEach(BiConsumer<byte[], ByteBuffer> visitor);

    /** The value of a key, or null if absent. */
    ByteBuffer lookup(byte[] key);

    void update(byte[] key, byte[] value, long flags);

    /** Deletes these keys; keys already gone are skipped. Returns how many were deleted. */
    int deleteAll(List<byte[]> keys);

    /** Sum over CPUs of the u64 at {@code offset} within each CPU's slot. */
    default long sumU64(ByteBuffer value, int offset) {
        long sum = 0;
        for (int c = 0; c < cpus(); c++) {
            sum += value.getLong(c * slotSize() + offset);
        }
        return sum;
    }
}

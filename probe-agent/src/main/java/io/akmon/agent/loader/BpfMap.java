package io.akmon.agent.loader;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A loaded map, read and written through the bpf() syscall. Per-CPU maps hand back one value slot
 * per possible CPU, each rounded up to 8 bytes, in CPU order.
 */
public final class BpfMap implements KernelMap {
    public static final int TYPE_PERCPU_HASH = 5;
    public static final int TYPE_PERCPU_ARRAY = 6;
    public static final int TYPE_LRU_PERCPU_HASH = 10;
    public static final long BPF_ANY = 0;
    public static final long BPF_NOEXIST = 1;

    private final LibBpf bpf;
    private final Runtime runtime;
    private final String name;
    private final int fd;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final boolean perCpu;
    private final int cpus;
    private final int slot;
    private boolean batchSupported = true;
    private boolean deleteBatchSupported = true;
    private int batchCapacity = BATCH;

    /** Entries read per bpf() call; grown if one hash bucket holds more. */
    static final int BATCH = 256;
    private static final int ENOENT = 2;
    private static final int ENOSPC = 28;
    private static final int EINVAL = 22;
    private static final int ENOSYS = 38;
    private static final int EOPNOTSUPP = 95;
    private static final int ENOTSUPP = 524;

    BpfMap(BpfObject owner, String name, int fd, int keySize, int valueSize, int maxEntries, int type) {
        this.bpf = owner.lib();
        this.runtime = owner.runtime();
        this.name = name;
        this.fd = fd;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
        this.perCpu = type == TYPE_PERCPU_HASH || type == TYPE_PERCPU_ARRAY || type == TYPE_LRU_PERCPU_HASH;
        this.cpus = perCpu ? bpf.libbpf_num_possible_cpus() : 1;
        this.slot = perCpu ? (valueSize + 7) & ~7 : valueSize;
    }

    @Override
    public String name() {
        return name;
    }

    public int fd() {
        return fd;
    }

    @Override
    public int keySize() {
        return keySize;
    }

    public int valueSize() {
        return valueSize;
    }

    public int maxEntries() {
        return maxEntries;
    }

    @Override
    public int cpus() {
        return cpus;
    }

    @Override
    public int slotSize() {
        return slot;
    }

    @Override
    public int valueBufferSize() {
        return slot * cpus;
    }

    /** Looks a key up; returns null if absent. The buffer is little-endian, per-CPU slots in CPU order. */
    @Override
    public ByteBuffer lookup(byte[] key) {
        Pointer k = Memory.allocateDirect(runtime, keySize);
        k.put(0, key, 0, keySize);
        Pointer v = Memory.allocateDirect(runtime, valueBufferSize());
        if (bpf.bpf_map_lookup_elem(fd, k, v) != 0) {
            return null;
        }
        byte[] out = new byte[valueBufferSize()];
        v.get(0, out, 0, out.length);
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        Pointer k = Memory.allocateDirect(runtime, keySize);
        k.put(0, key, 0, keySize);
        Pointer v = Memory.allocateDirect(runtime, valueBufferSize());
        v.put(0, value, 0, Math.min(value.length, valueBufferSize()));
        int rc = bpf.bpf_map_update_elem(fd, k, v, flags);
        if (rc != 0) {
            throw new IllegalStateException("cannot update map " + name + ": " + Native.describeErrno(rc));
        }
    }

    public boolean delete(byte[] key) {
        Pointer k = Memory.allocateDirect(runtime, keySize);
        k.put(0, key, 0, keySize);
        return bpf.bpf_map_delete_elem(fd, k) == 0;
    }

    /**
     * Visits every entry present now. Entries added or removed during the walk may or may not be
     * seen. Reads {@link #BATCH} entries per bpf() call where the kernel supports batched lookups
     * (5.6+), else walks key by key (two calls per entry).
     */
    @Override
    public synchronized void forEach(BiConsumer<byte[], ByteBuffer> visitor) {
        if (batchSupported) {
            try {
                forEachBatched(visitor);
                return;
            } catch (BatchUnsupported e) {
                batchSupported = false; // nothing was visited yet: walk instead
            }
        }
        forEachByKey(visitor);
    }

    /** Whether the last {@link #forEach} read in batches; false once the kernel refused them. */
    public boolean readsInBatches() {
        return batchSupported;
    }

    private static final class BatchUnsupported extends RuntimeException {
        BatchUnsupported() {
            super(null, null, false, false);
        }
    }

    private void forEachBatched(BiConsumer<byte[], ByteBuffer> visitor) {
        int vsz = valueBufferSize();
        int capacity = batchCapacity;
        Pointer in = Memory.allocateDirect(runtime, 8);
        Pointer out = Memory.allocateDirect(runtime, 8);
        Pointer count = Memory.allocateDirect(runtime, 4);
        Pointer keys = Memory.allocateDirect(runtime, capacity * keySize);
        Pointer values = Memory.allocateDirect(runtime, capacity * vsz);
        boolean first = true;
        while (true) {
            count.putInt(0, capacity);
            int rc = bpf.bpf_map_lookup_batch(fd, first ? null : in, out, keys, values, count, null);
            if (rc != 0 && rc != -ENOENT) {
                if (rc == -ENOSPC) { // one hash bucket holds more than a batch: retry with room for it
                    capacity *= 2;
                    batchCapacity = capacity;
                    keys = Memory.allocateDirect(runtime, capacity * keySize);
                    values = Memory.allocateDirect(runtime, capacity * vsz);
                    continue;
                }
                if (first && unsupported(rc)) {
                    throw new BatchUnsupported();
                }
                throw new IllegalStateException("cannot read map " + name + ": " + Native.describeErrno(rc));
            }
            int n = count.getInt(0);
            if (n > 0) {
                byte[] keyBytes = new byte[n * keySize];
                byte[] valueBytes = new byte[n * vsz];
                keys.get(0, keyBytes, 0, keyBytes.length);
                values.get(0, valueBytes, 0, valueBytes.length);
                for (int i = 0; i < n; i++) {
                    byte[] key = Arrays.copyOfRange(keyBytes, i * keySize, (i + 1) * keySize);
                    ByteBuffer value = ByteBuffer.wrap(valueBytes, i * vsz, vsz).slice().order(ByteOrder.LITTLE_ENDIAN);
                    visitor.accept(key, value);
                }
            }
            if (rc == -ENOENT) {
                return;
            }
            first = false;
            byte[] token = new byte[8];
            out.get(0, token, 0, 8);
            in.put(0, token, 0, 8);
        }
    }

    /** The errors of a kernel (or map type) without batch operations. */
    private static boolean unsupported(int rc) {
        return rc == -EINVAL || rc == -EOPNOTSUPP || rc == -ENOTSUPP || rc == -ENOSYS;
    }

    private void forEachByKey(BiConsumer<byte[], ByteBuffer> visitor) {
        Pointer prev = Memory.allocateDirect(runtime, keySize);
        Pointer next = Memory.allocateDirect(runtime, keySize);
        Pointer v = Memory.allocateDirect(runtime, valueBufferSize());
        boolean first = true;
        byte[] valueBytes = new byte[valueBufferSize()];
        while (bpf.bpf_map_get_next_key(fd, first ? null : prev, next) == 0) {
            first = false;
            byte[] key = new byte[keySize];
            next.get(0, key, 0, keySize);
            if (bpf.bpf_map_lookup_elem(fd, next, v) == 0) {
                v.get(0, valueBytes, 0, valueBytes.length);
                visitor.accept(key, ByteBuffer.wrap(valueBytes.clone()).order(ByteOrder.LITTLE_ENDIAN));
            }
            prev.put(0, key, 0, keySize);
        }
    }

    /**
     * Deletes these keys, in batches where the kernel supports it; keys already gone are skipped.
     * Returns how many were deleted.
     */
    @Override
    public synchronized int deleteAll(List<byte[]> doomed) {
        if (doomed.isEmpty()) {
            return 0;
        }
        if (!deleteBatchSupported) {
            return deleteEach(doomed);
        }
        Pointer keys = Memory.allocateDirect(runtime, doomed.size() * keySize);
        for (int i = 0; i < doomed.size(); i++) {
            keys.put((long) i * keySize, doomed.get(i), 0, keySize);
        }
        Pointer count = Memory.allocateDirect(runtime, 4);
        int deleted = 0;
        int from = 0;
        while (from < doomed.size()) {
            count.putInt(0, doomed.size() - from);
            int rc = bpf.bpf_map_delete_batch(fd, keys.slice((long) from * keySize), count, null);
            int done = count.getInt(0);
            deleted += done;
            from += done;
            if (rc == 0) {
                break;
            }
            if (rc != -ENOENT) {
                if (from == 0 && done == 0 && unsupported(rc)) {
                    deleteBatchSupported = false;
                    return deleteEach(doomed);
                }
                throw new IllegalStateException("cannot delete from map " + name + ": " + Native.describeErrno(rc));
            }
            from++; // that key was already gone
        }
        return deleted;
    }

    private int deleteEach(List<byte[]> doomed) {
        int deleted = 0;
        for (byte[] key : doomed) {
            deleted += delete(key) ? 1 : 0;
        }
        return deleted;
    }

    /** Sum over CPUs of the u64 at {@code offset} within each CPU's slot. */
    @Override
    public long sumU64(ByteBuffer value, int offset) {
        long sum = 0;
        for (int c = 0; c < cpus; c++) {
            sum += value.getLong(c * slot + offset);
        }
        return sum;
    }

    public static byte[] u32Key(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    public static byte[] u64Key(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }
}

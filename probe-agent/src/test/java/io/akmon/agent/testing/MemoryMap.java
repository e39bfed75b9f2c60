package io.akmon.agent.testing;

import io.akmon.agent.loader.KernelMap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/** A kernel map held in memory, laid out as the kernel hands values back (per-CPU slots in CPU order). */
public final class MemoryMap implements KernelMap {
    private final String name;
    private final int keySize;
    private final int valueSize;
    private final int cpus;
    private final Map<String, byte[]> entries = new LinkedHashMap<>();
    private final Map<String, byte[]> keys = new LinkedHashMap<>();

    private int walks;
    private int lookups;

    public MemoryMap(String name, int keySize, int valueSize, int cpus) {
        this.name = name;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.cpus = cpus;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int keySize() {
        return keySize;
    }

    @Override
    public int cpus() {
        return cpus;
    }

    @Override
    public int slotSize() {
        return cpus == 1 ? valueSize : (valueSize + 7) & ~7;
    }

    @Override
    public synchronized void forEach(BiConsumer<byte[], ByteBuffer> visitor) {
        walks++;
        for (Map.Entry<String, byte[]> e : new ArrayList<>(entries.entrySet())) {
            visitor.accept(keys.get(e.getKey()).clone(), ByteBuffer.wrap(e.getValue().clone()).order(ByteOrder.LITTLE_ENDIAN));
        }
    }

    @Override
    public synchronized ByteBuffer lookup(byte[] key) {
        lookups++;
        byte[] v = entries.get(hex(key));
        return v == null ? null : ByteBuffer.wrap(v.clone()).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public synchronized void update(byte[] key, byte[] value, long flags) {
        byte[] v = new byte[valueBufferSize()];
        System.arraycopy(value, 0, v, 0, Math.min(value.length, v.length));
        entries.put(hex(key), v);
        keys.put(hex(key), key.clone());
    }

    @Override
    public synchronized int deleteAll(List<byte[]> doomed) {
        int n = 0;
        for (byte[] k : doomed) {
            n += entries.remove(hex(k)) != null ? 1 : 0;
            keys.remove(hex(k));
        }
        return n;
    }

    /** Sets the u64 at {@code offset} of one CPU's slot of a key's value, creating the entry as the kernel would. */
    public synchronized void putU64(byte[] key, int cpu, int offset, long value) {
        byte[] v = entries.computeIfAbsent(hex(key), k -> new byte[valueBufferSize()]);
        keys.putIfAbsent(hex(key), key.clone());
        ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putLong(cpu * slotSize() + offset, value);
    }

    /** Times the whole map was read since {@link #resetCounts}. */
    public synchronized int walks() {
        return walks;
    }

    /** Keys looked up one by one since {@link #resetCounts}. */
    public synchronized int lookups() {
        return lookups;
    }

    public synchronized void resetCounts() {
        walks = 0;
        lookups = 0;
    }

    public synchronized int size() {
        return entries.size();
    }

    private static String hex(byte[] key) {
        return HexFormat.of().formatHex(key);
    }
}

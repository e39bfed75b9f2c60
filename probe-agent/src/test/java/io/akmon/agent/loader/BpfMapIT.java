package io.akmon.agent.loader;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading and deleting map entries in batches, on a real per-CPU hash map of the agent's object
 * (maps only: no program is loaded or attached), with more entries than one batch holds.
 */
class BpfMapIT {
    private static Path objectFile;
    private static BpfObject object;

    @BeforeAll
    static void load() throws Exception {
        objectFile = Files.createTempFile("akmon-map-test", ".bpf.o");
        try (InputStream in = BpfMapIT.class.getResourceAsStream("/bpf/akmon.bpf.o")) {
            Files.copy(in, objectFile, StandardCopyOption.REPLACE_EXISTING);
        }
        object = BpfObject.open(objectFile, null);
        for (String program : object.programNames()) {
            object.setAutoload(program, false);
        }
        object.load();
    }

    @AfterAll
    static void close() throws Exception {
        object.close();
        Files.deleteIfExists(objectFile);
    }

    @Test
    void everyEntryIsVisitedOnceWithItsPerCpuValuesAndDeletesSkipMissingKeys() {
        BpfMap map = object.map("syscall_counts");
        int entries = BpfMap.BATCH * 4 + 37;
        Map<Long, Long> expected = new HashMap<>();
        for (int i = 0; i < entries; i++) {
            int pid = 100_000 + i;
            int nr = i % 300;
            ByteBuffer value = ByteBuffer.allocate(map.valueBufferSize()).order(ByteOrder.LITTLE_ENDIAN);
            long sum = 0;
            for (int cpu = 0; cpu < map.cpus(); cpu++) {
                long count = (long) i * 10 + cpu + 1;
                value.putLong(cpu * map.slotSize(), count);
                sum += count;
            }
            map.update(key(pid, nr), value.array(), BpfMap.BPF_NOEXIST);
            expected.put(id(pid, nr), sum);
        }

        assertEquals(expected, contents(map));
        assertTrue(map.readsInBatches(), "this kernel (5.6+) reads hash maps in batches");

        List<byte[]> doomed = new ArrayList<>();
        for (int i = 0; i < entries; i += 2) {
            int pid = 100_000 + i;
            int nr = i % 300;
            doomed.add(key(pid, nr));
            expected.remove(id(pid, nr));
            if (i % 50 == 0) {
                doomed.add(key(1, i)); // never inserted: skipped, the rest still deleted
            }
        }
        int deleted = map.deleteAll(doomed);

        assertEquals((entries + 1) / 2, deleted);
        assertEquals(expected, contents(map));
        assertNull(map.lookup(key(100_000, 0)));

        List<byte[]> rest = new ArrayList<>();
        map.forEach((k, v) -> rest.add(k));
        assertEquals(expected.size(), map.deleteAll(rest));
        assertEquals(Map.of(), contents(map));
    }

    private static Map<Long, Long> contents(BpfMap map) {
        Map<Long, Long> seen = new HashMap<>();
        map.forEach((k, v) -> {
            ByteBuffer kb = ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN);
            Long before = seen.put(id(kb.getInt(0), kb.getInt(4)), map.sumU64(v, 0));
            assertNull(before, "visited twice");
        });
        return seen;
    }

    private static byte[] key(int pid, int nr) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(pid).putInt(nr).array();
    }

    private static long id(int pid, int nr) {
        return ((long) pid << 32) | nr;
    }
}

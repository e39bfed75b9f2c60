package io.akmon.flink.fold;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** State format 4 of a process fold: every field survives, and a fold of few figures is written small. */
class ProcessFoldFormatTest {
    private static final FoldSerializers.ProcessFoldSerializer SERIALIZER = FoldSerializers.ProcessFoldSerializer.INSTANCE;

    private static byte[] bytes(ProcessFold p) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        SERIALIZER.serialize(p, out);
        return out.getCopyOfBuffer();
    }

    private static ProcessFold roundTrip(ProcessFold p) throws Exception {
        return SERIALIZER.deserialize(new DataInputDeserializer(bytes(p)));
    }

    private static List<Field> fields() {
        return java.util.Arrays.stream(ProcessFold.class.getFields()).filter(f -> !Modifier.isStatic(f.getModifiers())).toList();
    }

    private static void assertSameFields(ProcessFold expected, ProcessFold actual) throws Exception {
        for (Field f : fields()) {
            Object e = f.get(expected);
            Object a = f.get(actual);
            if (e instanceof long[] el) {
                assertArrayEquals(el, (long[]) a, f.getName());
            } else if (e instanceof Map<?, ?> em) {
                assertEquals(em.size(), ((Map<?, ?>) a).size(), f.getName());
                for (Map.Entry<?, ?> x : em.entrySet()) {
                    assertArrayEquals((long[]) x.getValue(), (long[]) ((Map<?, ?>) a).get(x.getKey()), f.getName() + " " + x.getKey());
                }
            } else if (e instanceof String[] es) {
                assertArrayEquals(es, (String[]) a, f.getName());
            } else {
                assertEquals(e, a, f.getName());
            }
        }
    }

    @Test
    void everyFieldSurvivesWhateverItsValue() throws Exception {
        ProcessFold p = new ProcessFold();
        long n = 1;
        for (Field f : fields()) {
            Class<?> t = f.getType();
            if (t == long.class) {
                f.setLong(p, n++ * 1_000_003L);
            } else if (t == int.class) {
                f.setInt(p, (int) n++);
            } else if (t == boolean.class) {
                f.setBoolean(p, true);
            } else if (t == String.class) {
                f.set(p, "v" + n++);
            } else if (t == long[].class) {
                f.set(p, new long[] {n++, 0, n++});
            } else if (t == String[].class) {
                f.set(p, new String[] {"a", "b" + n++});
            } else if (Map.class.isAssignableFrom(t)) {
                Map<String, long[]> m = new HashMap<>();
                m.put("k" + n++, new long[] {n++, n++});
                f.set(p, m);
            } else {
                throw new AssertionError("a field this test does not fill: " + f);
            }
        }
        assertSameFields(p, roundTrip(p));
        // and at a new fold's values, the ones format 4 leaves out
        ProcessFold fresh = new ProcessFold();
        assertSameFields(fresh, roundTrip(fresh));
        fresh.commTs = 0; // differs from a new fold's (Long.MIN_VALUE): written
        fresh.records = -1;
        assertSameFields(fresh, roundTrip(fresh));
    }

    @Test
    void aProcessThatSendsCpuAndSyscallRecordsIsWrittenInAFractionOfTheFixedWidth() throws Exception {
        ProcessFold p = new ProcessFold();
        p.flags = ProcessFold.SEEN;
        p.seenMs = 1_767_225_600_000L;
        p.records = 30;
        p.onCpuNs = 2_000_000_000L;
        p.comm = "svc-1";
        p.commTs = 1_767_225_600_000_000_000L;
        p.syscalls = new HashMap<>(Map.of("read", new long[] {100, 0}, "write", new long[] {20, 1}));
        int size = bytes(p).length;
        assertSameFields(p, roundTrip(p));
        // format 3 wrote all 29 long figures of every process; format 4 writes its 4 (seen, records, on-CPU, comm time)
        ProcessFold full = roundTrip(p);
        for (Field f : fields()) {
            if (f.getType() == long.class && f.getLong(full) == f.getLong(new ProcessFold())) {
                f.setLong(full, 7);
            }
        }
        assertEquals(25 * Long.BYTES, bytes(full).length - size);
        assertTrue(size < 150, () -> size + " bytes");
    }
}

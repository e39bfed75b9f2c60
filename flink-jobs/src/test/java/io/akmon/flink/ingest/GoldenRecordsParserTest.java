package io.akmon.flink.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import io.akmon.schema.contract.EventContract;
import io.akmon.schema.contract.RecordCheck;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parser reads what the agent writes: every golden record of every family (written by the agent's
 * decoder tests) parses, and each of its fields that {@link Event} carries arrives with its value.
 */
class GoldenRecordsParserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Audit records go to their own topic and index (flink.audit), not through this parser. */
    private static final Set<EventType> NOT_PARSED_HERE = Set.of(EventType.AUDIT);
    /**
     * Fields on the wire whose name {@link Event} has for another family, and which the job does not read
     * on this one (type.field, with why).
     */
    private static final Map<String, String> NOT_READ = Map.of(
            "file.uid", "the file aggregates count per process, not per uid",
            "file.syscall", "file facts and aggregates name the op, not the syscall",
            "memory.uid", "an oom_kill's uid: the process context comes from its exec",
            "memory.interval_ns", "a sample is a level (RSS) and faults since the previous sample: no rate needs it",
            "agent.interval_ns", "health records count for coverage only");

    private final RecordParser parser = new RecordParser(Long.MAX_VALUE / 2);

    @Test
    void everyFamilyTheJobReadsHasGoldenRecords() {
        Map<EventType, List<String>> golden = GoldenRecords.all();
        List<String> missing = new ArrayList<>();
        for (var family : EventContract.families().values()) {
            EventType t = family.type();
            if (!NOT_PARSED_HERE.contains(t) && family.hasOwnFields() && golden.getOrDefault(t, List.of()).isEmpty()) {
                missing.add(t.wireName() + ": no " + GoldenRecords.file(t)
                        + "; add fixture records of the family to probe-agent's GoldenRecordsTest and run it");
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void everyGoldenRecordFollowsTheTableAndParsesWithEveryFieldTheEventCarries() throws Exception {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<EventType, List<String>> family : GoldenRecords.all().entrySet()) {
            if (NOT_PARSED_HERE.contains(family.getKey())) {
                continue;
            }
            int line = 0;
            for (String json : family.getValue()) {
                line++;
                String where = family.getKey().wireName() + ".jsonl:" + line;
                JsonNode record = JSON.readTree(json);
                RecordCheck.problems(record).forEach(p -> problems.add(where + ": " + p));
                RecordParser.Result r = parser.parse(json.getBytes(StandardCharsets.UTF_8));
                if (r.event() == null) {
                    problems.add(where + ": the parser refuses the agent's record: " + r.reason());
                    continue;
                }
                compare(where, family.getKey().wireName(), record, r.event(), problems);
            }
        }
        assertEquals(List.of(), problems);
    }

    private static void compare(String where, String type, JsonNode record, Event e, List<String> problems)
            throws IllegalAccessException {
        for (var it = record.fields(); it.hasNext(); ) {
            var f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            int counter = Arrays.asList(Fields.INTERFACE_COUNTERS).indexOf(name);
            Object parsed;
            if (counter >= 0) {
                parsed = e.ifCounters == null ? null : e.ifCounters[counter];
            } else {
                Field javaField = eventField(name);
                if (javaField == null || NOT_READ.containsKey(type + "." + name)) {
                    continue; // the job does not carry it
                }
                parsed = javaField.get(e);
            }
            if (!same(v, parsed)) {
                problems.add(where + ": " + type + "." + name + " is " + v + " on the wire but " + render(parsed)
                        + " after parsing: RecordParser does not read it for " + type
                        + " (read it in RecordParser.toEvent, or list it in NOT_READ with why)");
            }
        }
    }

    private static Field eventField(String snake) {
        StringBuilder camel = new StringBuilder();
        boolean up = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                camel.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        try {
            return Event.class.getField(camel.toString());
        } catch (NoSuchFieldException e) {
            return null;
        }
    }

    private static boolean same(JsonNode v, Object parsed) {
        if (parsed == null) {
            return v.isNull();
        }
        if (parsed instanceof Number n) {
            return v.isIntegralNumber() && v.asLong() == n.longValue();
        }
        if (parsed instanceof Boolean b) {
            return v.isBoolean() && v.asBoolean() == b;
        }
        if (parsed instanceof String s) {
            return v.isValueNode() && v.asText().equals(s);
        }
        if (parsed instanceof String[] a) {
            List<String> wire = new ArrayList<>();
            v.forEach(x -> wire.add(x.asText()));
            return wire.equals(List.of(a));
        }
        if (parsed instanceof long[] a) {
            List<Long> wire = new ArrayList<>();
            v.forEach(x -> wire.add(x.asLong()));
            return wire.equals(Arrays.stream(a).boxed().toList());
        }
        return false;
    }

    private static String render(Object o) {
        if (o instanceof String[] a) {
            return Arrays.toString(a);
        }
        if (o instanceof long[] a) {
            return Arrays.toString(a);
        }
        return String.valueOf(o);
    }

    @Test
    void everyFieldTheParserReadsIsInTheTable() throws Exception {
        // The parser's list of the fields it reads: Fieldset's static String[] that names the type field.
        String[] read = null;
        for (Field f : Fieldset.class.getDeclaredFields()) {
            if (java.lang.reflect.Modifier.isStatic(f.getModifiers()) && f.getType() == String[].class) {
                f.setAccessible(true);
                String[] names = (String[]) f.get(null);
                if (names != null && Arrays.asList(names).contains(Fields.TYPE)) {
                    read = names;
                }
            }
        }
        assertTrue(read != null, "Fieldset no longer lists the fields it reads as a static String[]: adapt this test");
        List<String> unknown = new ArrayList<>();
        for (String name : read) {
            if (!EventContract.allNames().contains(name)) {
                unknown.add(name + ": the parser reads a field the event table does not declare; add it to EventContract");
            }
        }
        assertEquals(List.of(), unknown);
    }
}

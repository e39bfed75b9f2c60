package io.akmon.schema.contract;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table itself: complete, consistent, and what {@link RecordCheck} makes of records that break it. */
class EventContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyFamilyHasAnEntry() {
        List<String> missing = new ArrayList<>();
        for (EventType t : EventType.values()) {
            if (EventContract.family(t) == null) {
                missing.add(t.wireName() + ": add its fields to EventContract");
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void everyFieldNameConstantIsInTheTable() throws Exception {
        List<String> missing = new ArrayList<>();
        for (Field f : Fields.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class
                    && !EventContract.allNames().contains((String) f.get(null))) {
                missing.add("Fields." + f.getName() + " (" + f.get(null) + "): add it to the families that carry it");
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void aNameIsDeclaredOncePerVariantAndVariantsExist() {
        List<String> problems = new ArrayList<>();
        for (Family fam : EventContract.families().values()) {
            if (fam.variantField() != null) {
                if (fam.declarations(fam.variantField()).size() != 1 || fam.variants().isEmpty()) {
                    problems.add(fam.type().wireName() + ": variant field " + fam.variantField() + " needs one declaration with values");
                    continue;
                }
            }
            for (FieldSpec f : fam.fields()) {
                if (EventContract.commonField(f.name()) != null) {
                    problems.add(fam.type().wireName() + "." + f.name() + " repeats a common field");
                }
                for (String v : f.variants()) {
                    if (!fam.variants().contains(v)) {
                        problems.add(fam.type().wireName() + "." + f.name() + " names variant " + v + " the family does not have");
                    }
                }
                for (String v : fam.variants().isEmpty() ? List.of("") : fam.variants()) {
                    String variant = v.isEmpty() ? null : v;
                    long n = fam.declarations(f.name()).stream().filter(d -> d.appliesTo(variant)).count();
                    if (n > 1) {
                        problems.add(fam.type().wireName() + "." + f.name() + " is declared " + n + " times for " + v);
                    }
                }
                if (f.type() == JsonType.OBJECT_ARRAY && f.items().isEmpty()) {
                    problems.add(fam.type().wireName() + "." + f.name() + " is an array of objects without items");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void aRecordThatBreaksTheTableGetsOneLinePerProblemNamingTheFieldAndTheFix() throws Exception {
        String rec = "{\"type\":\"net\",\"schema_version\":1,\"host\":\"h\",\"boot_id\":\"b\",\"cpu\":0,\"seq\":1,"
                + "\"ts\":5,\"pid\":7,\"event\":\"close\",\"conn\":\"1f\",\"family\":4,\"saddr\":\"10.0.0.1\","
                + "\"sport\":\"x\",\"daddr\":\"10.0.0.2\",\"dport\":80,\"bytes_sent\":1,\"bytes_received\":2,"
                + "\"colour\":\"blue\"}";
        List<String> p = RecordCheck.problems(JSON.readTree(rec));
        assertEquals(3, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("net(event=close).sport is a string, the table says integer"), p.get(0));
        assertTrue(p.get(1).startsWith("net(event=close).colour is not in the event table: add it to"), p.get(1));
        assertTrue(p.get(2).startsWith("net(event=close).retransmits is missing"), p.get(2));

        List<String> enumProblem = RecordCheck.problems(JSON.readTree(
                "{\"type\":\"lost\",\"schema_version\":1,\"host\":\"h\",\"boot_id\":\"b\",\"cpu\":-1,\"seq\":1,"
                        + "\"ts\":5,\"pid\":0,\"source\":\"gremlins\",\"lost\":3}"));
        assertEquals(1, enumProblem.size(), enumProblem.toString());
        assertTrue(enumProblem.get(0).contains("lost.source value 'gremlins' is not among the table's")
                && enumProblem.get(0).contains("akmon_drop_reason"), enumProblem.get(0));
    }

    @Test
    void anAnonymisedUidOrAddressIsAToken() throws Exception {
        String rec = "{\"type\":\"exec\",\"schema_version\":1,\"host\":\"h\",\"boot_id\":\"b\",\"cpu\":0,\"seq\":1,"
                + "\"ts\":5,\"pid\":7,\"comm\":\"ls\",\"ppid\":1,\"uid\":\"u-3f2a\",\"filename\":\"/bin/ls\",\"argv\":[\"ls\"],"
                + "\"argv_truncated\":false}";
        assertEquals(List.of(), RecordCheck.problems(JSON.readTree(rec)));
    }

    /** A name's suffix says its unit, so the unit column and the names cannot disagree. */
    @Test
    void namesEndingInAUnitHaveThatUnit() {
        List<String> wrong = new ArrayList<>();
        List<FieldSpec> all = new ArrayList<>(EventContract.common());
        EventContract.families().values().forEach(f -> f.fields().forEach(s -> {
            all.add(s);
            all.addAll(s.items());
        }));
        for (FieldSpec s : all) {
            for (String unit : List.of("ns", "ms", "bytes")) {
                if (s.name().endsWith("_" + unit) && !s.unit().equals(unit)) {
                    wrong.add(s.name() + " has unit '" + s.unit() + "', its name says " + unit);
                }
            }
            if (!s.unit().isEmpty() && s.type() != JsonType.INTEGER && s.type() != JsonType.NUMBER
                    && s.type() != JsonType.INTEGER_ARRAY) {
                wrong.add(s.name() + " is a " + s.type().label() + " with a unit");
            }
        }
        assertEquals(List.of(), wrong);
    }

    /** The golden records (written by probe-agent's GoldenRecordsTest) still follow the table as it stands. */
    @Test
    void theGoldenRecordsFollowTheTable() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of(System.getProperty("akmon.golden.dir", "src/test/resources/golden"));
        List<String> problems = new ArrayList<>();
        int records = 0;
        for (EventType t : EventType.values()) {
            java.nio.file.Path f = dir.resolve(t.wireName() + ".jsonl");
            if (!java.nio.file.Files.exists(f)) {
                continue;
            }
            int line = 0;
            for (String json : java.nio.file.Files.readAllLines(f)) {
                line++;
                records++;
                for (String p : RecordCheck.problems(JSON.readTree(json))) {
                    problems.add(f.getFileName() + ":" + line + ": " + p
                            + " (run probe-agent's GoldenRecordsTest to rewrite the golden records)");
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(records > 0, "no golden records in " + dir);
    }
}

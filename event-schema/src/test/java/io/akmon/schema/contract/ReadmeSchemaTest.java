package io.akmon.schema.contract;

import io.akmon.schema.EventType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README's event schema against the table: every family's row names each of its fields, and the table of
 * where fields come from is the one the table generates ({@code -Dakmon.readme.write=true} rewrites it).
 */
class ReadmeSchemaTest {
    private static final Path README = Path.of(System.getProperty("akmon.readme", "../README.md"));
    static final String BEGIN = "<!-- generated from io.akmon.schema.contract.EventContract by ReadmeSchemaTest: do not edit -->";
    static final String END = "<!-- end of generated field origins -->";

    /** The origins table: per family, its wire fields by who fills them, and what the job derives. */
    static String originsTable() {
        Origin[] origins = Origin.values();
        StringBuilder b = new StringBuilder("| type |");
        for (Origin o : origins) {
            b.append(' ').append(o.label()).append(" |");
        }
        b.append("\n|---|");
        b.append("---|".repeat(origins.length)).append('\n');
        b.append("| every record |");
        for (Origin o : origins) {
            b.append(' ').append(names(EventContract.common(), o)).append(" |");
        }
        b.append('\n');
        for (Family f : EventContract.families().values()) {
            if (!f.hasOwnFields()) {
                continue; // a marker of the common fields alone
            }
            b.append("| `").append(f.type().wireName()).append("` |");
            for (Origin o : origins) {
                b.append(' ').append(names(f.fields(), o)).append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String names(List<FieldSpec> fields, Origin o) {
        Set<String> names = new LinkedHashSet<>();
        for (FieldSpec f : fields) {
            if (f.origin() == o) {
                names.add("`" + f.name() + "`");
            }
            for (FieldSpec i : f.items()) {
                if (i.origin() == o) {
                    names.add("`" + f.name() + "[]." + i.name() + "`");
                }
            }
        }
        return String.join(", ", names);
    }

    @Test
    void theOriginsTableIsTheGeneratedOne() throws IOException {
        String readme = Files.readString(README);
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        assertTrue(begin >= 0 && end > begin, "README.md has no generated field origins (" + BEGIN + " ... " + END + ")");
        String current = readme.substring(begin + BEGIN.length() + 1, end);
        String expected = originsTable();
        if (!current.equals(expected) && Boolean.getBoolean("akmon.readme.write")) {
            Files.writeString(README, readme.substring(0, begin + BEGIN.length() + 1) + expected + readme.substring(end));
            return;
        }
        assertEquals(expected, current, "README's field origins differ from EventContract: run this test with "
                + "-Dakmon.readme.write=true and commit README.md");
    }

    /** The rows of README's family table ({@code | `type` ... |}), joined per family. */
    private static Map<EventType, String> familyRows(String readme) {
        Map<EventType, String> rows = new EnumMap<>(EventType.class);
        int from = readme.indexOf("Family fields:");
        assertTrue(from >= 0, "README.md has no 'Family fields:' table");
        for (String line : readme.substring(from).lines().skip(1).toList()) {
            if (line.isBlank() && !rows.isEmpty()) {
                break;
            }
            if (!line.startsWith("| `")) {
                continue;
            }
            String type = line.substring(3, line.indexOf('`', 3));
            EventType t = EventType.fromWire(type);
            if (t != null) {
                rows.merge(t, line, (a, c) -> a + "\n" + c);
            }
        }
        return rows;
    }

    @Test
    void everyFamilysRowNamesEachOfItsFields() throws IOException {
        String readme = Files.readString(README);
        Map<EventType, String> rows = familyRows(readme);
        int audit = readme.indexOf("### Audit record");
        List<String> missing = new ArrayList<>();
        for (Family f : EventContract.families().values()) {
            if (!f.hasOwnFields()) {
                continue;
            }
            String row = f.type() == EventType.AUDIT && audit >= 0
                    ? readme.substring(audit, Math.min(readme.length(), audit + 3000)) : rows.get(f.type());
            if (row == null) {
                missing.add(f.type().wireName() + ": README's family table has no row for it");
                continue;
            }
            for (FieldSpec s : f.fields()) {
                if (s.onTheWire() && !row.contains("`" + s.name() + "`") && !row.contains("`" + s.name() + ": ")) {
                    missing.add(f.type().wireName() + "." + s.name() + ": README's row for " + f.type().wireName()
                            + " does not name it; say what it is there");
                }
            }
        }
        assertEquals(List.of(), missing);
    }
}

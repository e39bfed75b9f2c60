package io.akmon.agent.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java layout against the compiled object's BTF: every struct's size and every field's offset
 * and size must match bpf-src/akmon.h as the compiler laid it out, so C and Java cannot drift.
 */
class LayoutBtfTest {
    private static JsonNode types;
    private static final Map<Integer, JsonNode> BY_ID = new HashMap<>();

    @BeforeAll
    static void dumpBtf() throws Exception {
        Path object = Path.of(System.getProperty("akmon.bpf.dir", "target/bpf"), "akmon.bpf.o");
        assertTrue(Files.exists(object), "build the BPF object first: " + object);
        Process p = new ProcessBuilder(bpftool(), "-j", "btf", "dump", "file", object.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] json = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "bpftool btf dump failed");
        types = new ObjectMapper().readTree(json).get("types");
        for (JsonNode t : types) {
            BY_ID.put(t.get("id").asInt(), t);
        }
    }

    private static String bpftool() {
        for (String candidate : new String[] {"/usr/sbin/bpftool", "/usr/bin/bpftool", "/sbin/bpftool"}) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return "bpftool";
    }

    private static JsonNode struct(String name) {
        for (JsonNode t : types) {
            if (("STRUCT".equals(t.get("kind").asText()) || "UNION".equals(t.get("kind").asText()))
                    && name.equals(t.get("name").asText())) {
                return t;
            }
        }
        return null;
    }

    /** Byte size of a BTF type, following typedefs, qualifiers and arrays. */
    private static int sizeOf(int typeId) {
        JsonNode t = BY_ID.get(typeId);
        switch (t.get("kind").asText()) {
            case "TYPEDEF", "CONST", "VOLATILE", "RESTRICT":
                return sizeOf(t.get("type_id").asInt());
            case "ARRAY":
                return t.get("nr_elems").asInt() * sizeOf(t.get("type_id").asInt());
            case "PTR":
                return 8;
            default:
                return t.get("size").asInt();
        }
    }

    @Test
    void everyJavaStructMatchesTheCompiledLayout() {
        for (Layout.Struct js : Layout.structs().values()) {
            JsonNode c = struct(js.name());
            assertNotNull(c, "struct " + js.name() + " is not in the object's BTF");
            assertEquals(c.get("size").asInt(), js.size(), "sizeof(struct " + js.name() + ")");
            Map<String, JsonNode> members = new HashMap<>();
            c.get("members").forEach(m -> members.put(m.get("name").asText(), m));
            js.fields().forEach((field, f) -> {
                JsonNode m = members.get(field);
                assertNotNull(m, js.name() + "." + field + " is not in the C struct");
                assertEquals(m.get("bits_offset").asInt() / 8, f.offset(), "offsetof(" + js.name() + ", " + field + ")");
                assertEquals(sizeOf(m.get("type_id").asInt()), f.size(), "sizeof(" + js.name() + "." + field + ")");
            });
        }
    }

    @Test
    void everyCStructFieldIsKnownToJavaOrIsPadding() {
        for (Layout.Struct js : Layout.structs().values()) {
            struct(js.name()).get("members").forEach(m -> {
                String name = m.get("name").asText();
                assertTrue(js.fields().containsKey(name) || name.equals("pad") || name.isEmpty(),
                        js.name() + "." + name + " exists in C but the decoder does not know it");
            });
        }
    }

    @Test
    void settingsAreTheOnlyReadOnlyVariableAtOffsetZero() {
        for (JsonNode t : types) {
            if ("DATASEC".equals(t.get("kind").asText()) && ".rodata".equals(t.get("name").asText())) {
                assertEquals(1, t.get("vars").size(), ".rodata holds only the settings");
                JsonNode var = t.get("vars").get(0);
                assertEquals(0, var.get("offset").asInt());
                assertEquals(Layout.Config.SIZE, var.get("size").asInt());
                assertEquals("cfg", BY_ID.get(var.get("type_id").asInt()).get("name").asText());
                return;
            }
        }
        throw new AssertionError("no .rodata section");
    }

    // The enums' values: EnumBtfTest, from the same BTF.

    @Test
    void everyRecordTypeFitsTheScratchSlot() {
        int union = struct("akmon_record").get("size").asInt();
        assertEquals(Layout.Exec.SIZE, union, "the largest record sizes the scratch slot");
    }
}

package io.akmon.agent.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.schema.contract.EventContract;
import io.akmon.schema.contract.Family;
import io.akmon.schema.contract.FieldSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The enums of bpf-src/akmon.h as the compiled object's BTF holds them (struct akmon_enums brings them
 * there), against the decoder's constants and the event table's enum values: a value added in C and not
 * in Java or the table fails here, naming it.
 */
class EnumBtfTest {
    /** enum name -> enumerator name -> value, in declaration order. */
    private static final Map<String, Map<String, Long>> ENUMS = new HashMap<>();

    @BeforeAll
    static void dumpBtf() throws Exception {
        Path object = Path.of(System.getProperty("akmon.bpf.dir", "target/bpf"), "akmon.bpf.o");
        assertTrue(Files.exists(object), "build the BPF object first: " + object);
        String bpftool = Files.isExecutable(Path.of("/usr/sbin/bpftool")) ? "/usr/sbin/bpftool" : "bpftool";
        Process p = new ProcessBuilder(bpftool, "-j", "btf", "dump", "file", object.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] json = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "bpftool btf dump failed");
        for (JsonNode t : new ObjectMapper().readTree(json).get("types")) {
            if ("ENUM".equals(t.get("kind").asText()) && t.get("name").asText().startsWith("akmon_")) {
                Map<String, Long> values = new LinkedHashMap<>();
                t.get("values").forEach(v -> values.put(v.get("name").asText(), v.get("val").asLong()));
                ENUMS.put(t.get("name").asText(), values);
            }
        }
    }

    /** The enumerators of a C enum by wire name (prefix cut, lower case), without a trailing count (NAME_S). */
    private static Map<String, Long> wire(String enumName) {
        Map<String, Long> c = ENUMS.get(enumName);
        assertTrue(c != null, "enum " + enumName + " is not in the object's BTF: name it in struct akmon_enums (akmon.h)");
        String count = enumName.toUpperCase(Locale.ROOT) + "S";
        List<String> names = new ArrayList<>(c.keySet());
        names.remove(count);
        String prefix = names.get(0);
        for (String n : names) {
            while (!n.startsWith(prefix)) {
                prefix = prefix.substring(0, prefix.length() - 1);
            }
        }
        prefix = prefix.substring(0, prefix.lastIndexOf('_') + 1);
        Map<String, Long> out = new LinkedHashMap<>();
        for (String n : names) {
            out.put(n.substring(prefix.length()).toLowerCase(Locale.ROOT), c.get(n));
        }
        return out;
    }

    @Test
    void everyKernelValueIsAmongTheTablesValues() {
        List<String> problems = new ArrayList<>();
        for (Family family : EventContract.families().values()) {
            for (FieldSpec f : family.fields()) {
                if (f.cEnum() == null) {
                    continue;
                }
                wire(f.cEnum()).forEach((name, value) -> {
                    if (!f.values().contains(name)) {
                        problems.add(family.type().wireName() + "." + f.name() + " lacks '" + name + "' (" + f.cEnum()
                                + " value " + value + " in akmon.h): add it to the field's values in EventContract");
                    }
                });
            }
        }
        assertEquals(List.of(), problems);
    }

    /** An array of wire names indexed by enum value, as the decoder's tables are, from BTF. */
    private static List<String> byValue(String enumName, int size) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            out.add(null);
        }
        wire(enumName).forEach((name, value) -> {
            assertTrue(value >= 0 && value < size, enumName + " value " + name + " = " + value + " is outside the decoder's table of " + size);
            out.set(value.intValue(), name);
        });
        return out;
    }

    @Test
    void theDecodersNamesAreTheKernelsEnums() {
        assertEquals(List.of(Layout.DROP_REASONS), byValue("akmon_drop_reason", Layout.DROP_REASONS.length),
                "Layout.DROP_REASONS against enum akmon_drop_reason");
        assertEquals(wire("akmon_drop_reason").size(), Layout.DROP_REASONS.length, "one name per drop reason");
        assertEquals(java.util.Arrays.asList(Layout.FILE_OPS), byValue("akmon_file_op", Layout.FILE_OPS.length), "Layout.FILE_OPS against enum akmon_file_op");
        assertEquals(List.of(Layout.FD_KINDS), byValue("akmon_fd_kind", Layout.FD_KINDS.length), "Layout.FD_KINDS against enum akmon_fd_kind");
        assertEquals(Map.of("read", 0L, "write", 1L), wire("akmon_disk_op"), "the drainer writes op 0 as read, else write");
        assertEquals(Map.of("connect", (long) Layout.NET_CONNECT, "accept", (long) Layout.NET_ACCEPT, "close", (long) Layout.NET_CLOSE),
                wire("akmon_net_event"), "the decoder's net events");
        assertEquals(Map.of("fork", (long) Layout.REC_FORK, "exec", (long) Layout.REC_EXEC, "exit", (long) Layout.REC_EXIT,
                "oom", (long) Layout.REC_OOM, "net", (long) Layout.REC_NET, "file", (long) Layout.REC_FILE),
                wire("akmon_record_type"), "the decoder's record types");
        assertEquals(Map.of("path_relative", (long) Layout.FILE_PATH_RELATIVE, "path_truncated", (long) Layout.FILE_PATH_TRUNCATED,
                "path2_relative", (long) Layout.FILE_PATH2_RELATIVE, "path2_truncated", (long) Layout.FILE_PATH2_TRUNCATED),
                wire("akmon_file_flag"), "the decoder's file flags");
        assertEquals(Map.of("include", (long) Layout.PATH_INCLUDE, "exclude", (long) Layout.PATH_EXCLUDE),
                wire("akmon_path_filter"), "the path filter values");
        assertEquals(Map.of("syscall", (long) Layout.ChangedKey.SYSCALL, "proc", (long) Layout.ChangedKey.PROC,
                "disk", (long) Layout.ChangedKey.DISK, "file_io", (long) Layout.ChangedKey.FILE_IO),
                wire("akmon_changed_kind"), "the changed-key kinds");
    }
}

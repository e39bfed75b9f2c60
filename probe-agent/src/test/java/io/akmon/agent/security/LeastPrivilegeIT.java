package io.akmon.agent.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.testing.UnprivilegedAgent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent as nobody with only CAP_BPF and CAP_PERFMON: it loads and attaches, then holds no
 * capability at all on any thread and runs under its system call filter, and keeps streaming.
 */
class LeastPrivilegeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void streamsAsNobodyThenHoldsNoCapabilityOnAnyThreadUnderTheFilter() throws Exception {
        try (UnprivilegedAgent agent = UnprivilegedAgent.start("--seccomp", "--pin-dir", "", "--interval", "500ms", "--duration", "30s",
                "--families", "process,syscall,cpu")) {
            agent.awaitStderr(l -> l.contains("now holding"), 90);
            long pid = agent.pid();
            Path status = Path.of("/proc", Long.toString(pid), "status");

            // what the agent itself says, in its audit record
            JsonNode audit = JSON.readTree(agent.awaitStdout(l -> l.contains("\"type\":\"audit\""), 10));
            assertEquals("cap_perfmon,cap_bpf", audit.get("capabilities_at_start").asText(), audit.toString());
            assertEquals("", audit.get("capabilities_running").asText());
            assertEquals(UnprivilegedAgent.NOBODY, audit.get("uid").asInt());
            assertTrue(audit.get("seccomp").asBoolean());

            // what the kernel says: the main thread and every other one
            Map<String, String> main = fields(status);
            assertEquals(Long.toString(UnprivilegedAgent.NOBODY), main.get("Uid").split("\\s+")[1], "effective uid");
            assertEquals(0L, Long.parseLong(main.get("CapEff"), 16), "CapEff of " + pid);
            assertEquals(0L, Long.parseLong(main.get("CapPrm"), 16), "CapPrm of " + pid);
            assertEquals(0L, Long.parseLong(main.get("CapAmb"), 16), "CapAmb of " + pid);
            Map<Long, Capabilities.Sets> threads = Capabilities.ofEveryThread(pid);
            assertTrue(threads.size() > 10, "a JVM's threads: " + threads.keySet());
            threads.forEach((tid, sets) -> {
                assertEquals(0L, sets.effective(), "CapEff of thread " + tid);
                assertEquals(0L, sets.permitted(), "CapPrm of thread " + tid);
            });
            for (Path task : Files.list(status.getParent().resolve("task")).toList()) {
                Map<String, String> t = fields(task.resolve("status"));
                if (!t.isEmpty()) {
                    assertEquals("2", t.get("Seccomp"), "seccomp filter mode on thread " + task.getFileName());
                    assertEquals("1", t.get("NoNewPrivs"), "no_new_privs on thread " + task.getFileName());
                }
            }

            // and it keeps streaming: an exec started now, after the drop, arrives with its argv
            List<Long> sequences = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                String marker = "after-drop-" + UUID.randomUUID();
                Process p = new ProcessBuilder("/bin/true", marker).start();
                assertTrue(p.waitFor(10, TimeUnit.SECONDS));
                JsonNode exec = JSON.readTree(agent.awaitStdout(l -> l.contains(marker), 15));
                assertEquals("exec", exec.get("type").asText());
                assertEquals(List.of("/bin/true", marker), JSON.convertValue(exec.get("argv"), List.class));
                assertEquals(p.pid(), exec.get("pid").asLong());
                sequences.add(exec.get("seq").asLong());
                assertEquals(0L, Long.parseLong(fields(status).get("CapEff"), 16), "still none while streaming");
            }
            int before = agent.stdout().size();
            Thread.sleep(1500); // three drains of the counter maps, which read and delete map entries
            List<String> later = agent.stdout().subList(before, agent.stdout().size());
            assertTrue(later.stream().anyMatch(l -> l.contains("\"type\":\"syscall\"")), "syscall counters drained after the drop");
            assertTrue(later.stream().anyMatch(l -> l.contains("\"type\":\"cpu\"")), "cpu figures (PROG_TEST_RUN flush) after the drop");
            assertFalse(agent.stdout().stream().anyMatch(l -> l.contains("\"type\":\"lost\"") && l.contains("decode")), agent.stderr());

            assertEquals(0, agent.awaitExit(60), agent.stderr());
            assertTrue(agent.stderr().contains("every probe detached"), agent.stderr());
            assertFalse(agent.stderr().contains("warning"), agent.stderr());
        }
    }

    @Test
    void refusesASpoolDirectoryOthersCanReadWithOneLineAndTheFix(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path spool = Files.createDirectory(tmp.resolve("spool"));
        Files.setPosixFilePermissions(spool, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                Path.of("target", "akmon-agent.jar").toAbsolutePath().toString(), "--sink", "kafka", "--bootstrap", "127.0.0.1:9",
                "--spool-dir", spool.toString(), "--pin-dir", "").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(2, p.exitValue(), out);
        assertEquals("akmon agent: spool directory " + spool + " is open to others (rwxr-xr-x); it holds data only the agent may read; "
                + "fix: chmod 700 " + spool, out.strip());
    }

    private static Map<String, String> fields(Path status) {
        Map<String, String> out = new java.util.HashMap<>();
        try {
            for (String line : Files.readAllLines(status)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    out.put(line.substring(0, colon), line.substring(colon + 1).trim());
                }
            }
        } catch (java.io.IOException gone) {
            // a thread that ended
        }
        return out;
    }
}

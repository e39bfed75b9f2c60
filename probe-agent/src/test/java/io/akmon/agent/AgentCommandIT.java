package io.akmon.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged agent as a user runs it: JSON lines on stdout, one clear line on stderr for bad input. */
class AgentCommandIT {
    private static final Path JAR = Path.of("target", "akmon-agent.jar");

    record Result(int exit, String out, String err) {
    }

    private static Result run(List<String> prefix, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "agent did not stop");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private static Result run(String... args) throws Exception {
        return run(List.of(), args);
    }

    @Test
    void streamsJsonLinesForJqAndStopsAfterTheDuration() throws Exception {
        // something to see: the test JVM itself keeps making syscalls
        Result r = run("--duration", "2s", "--interval", "500ms", "--pin-dir", "");
        assertEquals(0, r.exit(), r.err());
        ObjectMapper json = new ObjectMapper();
        Set<String> types = new HashSet<>();
        for (String line : r.out().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = json.readTree(line);
            for (String f : List.of("type", "host", "boot_id", "cpu", "seq", "ts", "pid", "schema_version")) {
                assertTrue(n.has(f), "field " + f + " missing in " + line);
            }
            types.add(n.get("type").asText());
        }
        assertTrue(types.contains("syscall") && types.contains("cpu"), "types seen: " + types);
        assertTrue(r.err().contains("running"), r.err());
    }

    @Test
    void interruptStopsCleanlyAndDetachesEveryProgram() throws Exception {
        // env resets SIGINT to its default: a test run started in the background inherits it ignored,
        // and the JVM (like any program) leaves an ignored SIGINT ignored, as a user's terminal would not.
        Process p = new ProcessBuilder("env", "--default-signal=INT", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toAbsolutePath().toString(), "--pin-dir", "", "--families", "process")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        java.io.BufferedReader err = new java.io.BufferedReader(new java.io.InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        String line = err.readLine();
        assertTrue(line != null && line.contains("running 3 probes"), "agent said: " + line);
        java.util.Set<Long> programs = io.akmon.agent.testing.BpfPrograms.heldBy(p.pid());
        assertEquals(3, programs.size(), "fork, exec and exit programs loaded: " + programs);
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "agent did not stop on SIGINT");
        assertEquals(0, p.exitValue());
        assertEquals(java.util.Set.of(), io.akmon.agent.testing.BpfPrograms.stillLoaded(programs), "every program detached and unloaded");
    }


    @Test
    void helpDescribesEveryOption() throws Exception {
        Result r = run("--help");
        assertEquals(0, r.exit());
        for (String opt : List.of("--config", "--sink", "--duration", "--interval", "--transport", "--pid", "--comm",
                "--cgroup", "--syscall-sample-rate", "--families", "--btf", "--pin-dir")) {
            assertTrue(r.out().contains(opt), "help lacks " + opt);
        }
    }

    @Test
    void withoutPrivilegesItSaysSoAndHowToFixIt() throws Exception {
        Result r = run(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"), "--duration", "1s");
        assertEquals(3, r.exit(), r.err());
        String line = r.err().strip();
        assertEquals(1, line.lines().count(), "one line: " + line);
        assertTrue(line.contains("missing privileges") && line.contains("fix: run as root"), line);
    }

    @Test
    void anUnreadableConfigIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        Result r = run("--config", dir.resolve("missing.yaml").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().strip().contains("cannot read config file") && r.err().contains("missing.yaml"), r.err());

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "interval_ms: [\n");
        Result b = run("--config", bad.toString());
        assertEquals(2, b.exit());
        assertTrue(b.err().contains("invalid config file") && b.err().contains("fix:"), b.err());
    }

    @Test
    void noBtfIsOneLineAndExitThree() throws Exception {
        Result r = run("--btf", "/nonexistent/vmlinux", "--duration", "1s");
        assertEquals(3, r.exit());
        assertTrue(r.err().contains("no BTF") && r.err().contains("fix:"), r.err());
    }

    @Test
    void aBadOptionValueIsAUsageError() throws Exception {
        Result r = run("--duration", "soon");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("not a duration"), r.err());
    }
}

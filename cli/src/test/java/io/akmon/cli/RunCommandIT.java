package io.akmon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.testing.BpfPrograms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged {@code akmon run} as a user starts it: JSON status lines, then Ctrl-C leaves nothing behind. */
class RunCommandIT {
    private static final Path JAR = Path.of("target", "akmon.jar");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Process start(String... args) throws IOException {
        // env resets SIGINT to its default: a test run started in the background inherits it ignored,
        // and the JVM leaves an ignored SIGINT ignored; a user's terminal delivers Ctrl-C as default.
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toAbsolutePath().toString(), "run"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).start();
    }

    @Test
    void ctrlCStopsEverythingItStarted(@TempDir Path data) throws Exception {
        Process p = start("--no-ui", "--refresh", "1s", "--data-dir", data.toString(), "--comm", "akmon-none");
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        JsonNode status = null;
        for (int lines = 0; lines < 3; lines++) { // a few refreshes: every line on stdout is one JSON object
            String line = out.readLine();
            assertTrue(line != null, "status line from akmon run; stderr: " + (p.isAlive() ? "" : stderr.get()));
            status = JSON.readTree(line);
        }
        for (String field : List.of("ts", "job_state", "events_per_sec", "lost", "coverage", "kafka_lag", "processes", "alerts")) {
            assertTrue(status.has(field), field + " in " + status);
        }
        Set<Long> programs = BpfPrograms.heldBy(p.pid());
        assertTrue(programs.size() >= 6, "the agent's probes are loaded while it runs: " + programs);

        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor(); // env execs java: same pid
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "akmon run stops on Ctrl-C");
        String err = stderr.get(10, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), err);
        assertTrue(err.contains("akmon run: stopped; every probe detached"), err);

        assertEquals(Set.of(), BpfPrograms.stillLoaded(programs), "every probe of the stopped run is unloaded");
        for (String endpoint : endpoints(err)) {
            assertFalse(Ports.listening(endpoint), endpoint + " closed; stderr: " + err);
        }
        assertEquals(3, endpoints(err).size(), "Kafka, Flink and Elasticsearch were named: " + err);
    }

    @Test
    void aComponentThatCannotStartIsNamedWithTheReason(@TempDir Path data) throws Exception {
        Path blocked = data.resolve("not-a-dir");
        Files.writeString(blocked, "a file where the data directory should be");
        Process p = start("--no-ui", "--data-dir", blocked.resolve("sub").toString());
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), err);
        assertTrue(err.contains("--data-dir") && err.contains("not-a-dir") && err.contains("Not a directory"), err);
    }

    private static List<String> endpoints(String stderr) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile("(?:Kafka at |Flink REST at http://|Elasticsearch at http://)(127\\.0\\.0\\.1:\\d+)").matcher(stderr);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}

package io.akmon.flink.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.flink.alert.rules.InvalidRulesException;
import io.akmon.flink.sink.Json;
import io.akmon.flink.testing.RulesRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code akmon rules validate}: exit codes, text and JSON output; the job refuses an invalid file. */
class ValidateCommandTest {
    @TempDir
    Path dir;

    private static RulesRun run(String... args) {
        return RulesRun.of(args);
    }

    private Path defaults() throws IOException {
        Path f = dir.resolve("default-rules.yaml");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(AlertJob.DEFAULT_RULES)) {
            Files.write(f, in.readAllBytes());
        }
        return f;
    }

    private Path invalid() throws IOException {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, """
                rules:
                  - name: too-hot
                    severity: warning
                    key: [host, pid]
                    within: 30 s
                    message: "{hot.cpu_pct}"
                    steps:
                      - name: hot
                        type: process_window
                        where: {cpu_pct: {gt: "ninety"}, colour: red}
                """);
        return f;
    }

    @Test
    void defaultRulesAreValid() throws IOException {
        Path f = defaults();
        RulesRun o = run("validate", f.toString());
        assertEquals(0, o.code(), o.err());
        assertEquals(f + ": valid, 10 rule(s)\n"
                + "  cpu-sustained (warning)\n  memory-high (warning)\n  disk-iops-high (warning)\n"
                + "  network-high (warning)\n  crash-loop (critical)\n  fork-storm (critical)\n"
                + "  memory-climb-oom (critical)\n  shell-after-accept (critical)\n  port-scan (warning)\n  etc-write (warning)\n", o.out());
    }

    @Test
    void invalidFileExitsTwoWithEveryErrorLocated() throws IOException {
        Path f = invalid();
        RulesRun o = run("validate", f.toString());
        assertEquals(2, o.code());
        assertEquals("", o.out());
        assertEquals(f + ":5:13: rule 'too-hot': bad duration '30 s' for 'within': expected a positive whole number "
                + "followed by ms, s, m, h or d, e.g. 30s\n"
                + f + ":10:31: rule 'too-hot': type mismatch: 'cpu_pct' is a number, the value 'ninety' is a string\n"
                + f + ":10:42: rule 'too-hot': unknown field 'colour' for type 'process_window'\n"
                + f + ": invalid, 3 error(s)\n", o.err());
    }

    @Test
    void jsonOutput() throws IOException {
        RulesRun bad = run("validate", "--json", invalid().toString());
        assertEquals(2, bad.code());
        JsonNode b = Json.MAPPER.readTree(bad.out());
        assertEquals(false, b.get("valid").asBoolean());
        assertEquals(3, b.get("errors").size());
        JsonNode e = b.get("errors").get(2);
        assertEquals("too-hot", e.get("rule").asText());
        assertEquals(10, e.get("line").asInt());
        assertEquals(42, e.get("column").asInt());
        assertEquals("unknown field 'colour' for type 'process_window'", e.get("message").asText());

        RulesRun good = run("validate", "--json", defaults().toString());
        assertEquals(0, good.code());
        JsonNode g = Json.MAPPER.readTree(good.out());
        assertEquals(true, g.get("valid").asBoolean());
        assertEquals(10, g.get("rules").size());
        assertEquals("crash-loop", g.get("rules").get(4).asText());
        assertEquals(0, g.get("errors").size());
    }

    @Test
    void unreadableFileAndBadParameterAreInvalid() throws IOException {
        RulesRun missing = run("validate", dir.resolve("nope.yaml").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().startsWith(dir.resolve("nope.yaml") + ":0:0: cannot read the file: "), missing.err());

        RulesRun param = run("validate", defaults().toString(), "--param", "cpu_pct=hot");
        assertEquals(2, param.code());
        assertTrue(param.err().contains(":0:0: parameter 'cpu_pct' must be a number, got 'hot'"), param.err());
    }

    @Test
    void helpDescribesTheCommands() {
        RulesRun top = run("--help");
        assertEquals(0, top.code());
        assertTrue(top.out().contains("validate") && top.out().contains("replay"), top.out());
        RulesRun validate = run("validate", "--help");
        assertEquals(0, validate.code());
        assertTrue(validate.out().contains("--json") && validate.out().contains("2   the file is invalid"), validate.out());
        RulesRun replay = run("replay", "--help");
        assertEquals(0, replay.code());
        assertTrue(replay.out().contains("--from") && replay.out().contains("--to"), replay.out());
    }

    @Test
    void alertJobRefusesAnInvalidFile() throws IOException {
        AlertOptions o = new AlertOptions();
        new picocli.CommandLine(o).parseArgs("--rules", invalid().toString());
        InvalidRulesException e = assertThrows(InvalidRulesException.class, () -> AlertJob.loadRules(o));
        assertEquals(3, e.errors().size());
        assertEquals(10, AlertJob.defaultRules(Map.of()).rules.size());
    }
}

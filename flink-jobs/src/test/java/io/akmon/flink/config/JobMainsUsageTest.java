package io.akmon.flink.config;

import io.akmon.flink.AggregationJob;
import io.akmon.flink.alert.AlertJob;
import io.akmon.flink.alert.AlertOptions;
import io.akmon.flink.alert.rules.InvalidRulesException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both job mains answer bad usage with one line naming the problem and the fix, and exit 2. */
class JobMainsUsageTest {
    static final String GRAMMAR = "is not a duration (use a whole number and a unit: 500ms, 10s, 5m, 1h, 1d)";

    private static String usage(Function<String[], ?> parse, String... args) {
        CommandLines.UsageException e = assertThrows(CommandLines.UsageException.class, () -> parse.apply(args));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("; fix: "), e.getMessage());
        return e.getMessage();
    }

    private static void assertStarts(String expected, String actual) {
        assertTrue(actual.startsWith(expected), "expected a line starting with\n" + expected + "\nbut got\n" + actual);
    }

    @Test
    void aggregationJob(@TempDir Path dir) throws Exception {
        Function<String[], ?> parse = JobOptions::parse;
        assertStarts("akmon-aggregation-job: Unknown option: '--windw'; fix: did you mean --window", usage(parse, "--windw"));
        assertStarts("akmon-aggregation-job: Invalid value for option '--window': '10y' " + GRAMMAR, usage(parse, "--window", "10y"));
        assertStarts("akmon-aggregation-job: Invalid value for option '--max-record-size': 'big' is not a size", usage(parse, "--max-record-size", "big"));
        assertStarts("akmon-aggregation-job: --state-backend must be heap or rocksdb, got leveldb; fix: ", usage(parse, "--state-backend", "leveldb"));
        configFiles(dir, parse, "akmon-aggregation-job");
        assertEquals(1L << 20, JobOptions.parse().maxRecordBytes);
        assertEquals("10s", JobOptions.label(JobOptions.parse("--window", "10000ms").window));
    }



    @Test
    void alertJob(@TempDir Path dir) throws Exception {
        Function<String[], ?> parse = AlertOptions::parse;
        assertStarts("akmon-alert-job: Unknown option: '--rulez'; fix: did you mean --rules", usage(parse, "--rulez"));
        assertStarts("akmon-alert-job: Invalid value for option '--checkpoint-interval': 'often' " + GRAMMAR, usage(parse, "--checkpoint-interval", "often"));
        assertStarts("akmon-alert-job: --sinks takes kafka and/or elasticsearch, got s3; fix: ", usage(parse, "--sinks", "s3"));
        configFiles(dir, parse, "akmon-alert-job");

        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "rules:\n  - name: x\n    within: ten seconds\n  - name: y\n");
        AlertOptions o = AlertOptions.parse("--rules", rules.toString());
        InvalidRulesException e = assertThrows(InvalidRulesException.class, () -> AlertJob.loadRules(o));
        String line = AlertJob.rulesLine(e);
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith("akmon-alert-job: invalid rules file " + rules + ": " + rules + ":"), line);
        assertTrue(line.contains("rule 'x': missing 'severity' (and 4 more); fix: correct the file (akmon rules validate "),
                line);
    }

    @Test
    void theAlertJobTakesRestartsStateBackendAndCheckpointsLikeTheAggregationJob(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("alert.properties");
        Files.writeString(file, "state-backend=rocksdb\nrestart-attempts=3\ncheckpoint-dir=file:///tmp/ckpt\n");
        org.apache.flink.configuration.Configuration alert = AlertJob.flinkConfiguration(
                AlertOptions.parse("--config", file.toString()));
        org.apache.flink.configuration.Configuration aggregation = AggregationJob.flinkConfiguration(
                JobOptions.parse("--config", file.toString()));
        assertEquals(aggregation.toMap(), alert.toMap());
        assertEquals("rocksdb", alert.get(org.apache.flink.configuration.StateBackendOptions.STATE_BACKEND));
        assertEquals(3, alert.get(org.apache.flink.configuration.RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS));
        assertEquals("fixed-delay", alert.get(org.apache.flink.configuration.RestartStrategyOptions.RESTART_STRATEGY));
        assertEquals("file:///tmp/ckpt", alert.get(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTS_DIRECTORY));
    }

    private static void configFiles(Path dir, Function<String[], ?> parse, String command) throws Exception {
        Path missing = dir.resolve("missing.properties");
        assertStarts(command + ": cannot read --config file " + missing + " (no such file); fix: ",
                usage(parse, "--config", missing.toString()));
        Path typo = dir.resolve("typo.properties");
        Files.writeString(typo, "checkpoint-intervall=5s\n");
        assertStarts(command + ": unknown setting 'checkpoint-intervall' in --config file " + typo + "; fix: ",
                usage(parse, "--config", typo.toString()));
        Path bad = dir.resolve("bad.properties");
        Files.writeString(bad, "checkpoint-interval=5 seconds\n");
        assertStarts(command + ": Invalid value for option '--checkpoint-interval': '5 seconds' " + GRAMMAR,
                usage(parse, "--config", bad.toString()));
    }

    /** The mains themselves, in a JVM of their own: exit code 2 and one line on stderr. */
    @Test
    void theMainsExitWithTwo() throws Exception {
        for (Class<?> main : List.of(AggregationJob.class, AlertJob.class)) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), main.getName(), "--bogus")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(2, p.exitValue(), main.getSimpleName() + ": " + err);
            List<String> lines = err.lines().filter(l -> !l.startsWith("SLF4J") && !l.startsWith("WARNING")).toList();
            assertEquals(1, lines.size(), err);
            assertTrue(lines.get(0).contains(": Unknown option: '--bogus'; fix: "), err);
        }
    }
}

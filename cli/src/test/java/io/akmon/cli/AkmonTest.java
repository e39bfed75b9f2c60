package io.akmon.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one parser: every subcommand answers --help, and the exit codes scripts rely on. */
class AkmonTest {
    record Run(int exit, String out, String err) {
    }

    /** Runs a command line, capturing what it prints through picocli's writers. */
    private static Run run(String... args) {
        CommandLine cl = Akmon.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** Runs a command line that prints straight to System.out/err (rules validate), capturing both. */
    private static Run runCapturingSystemStreams(String... args) {
        CommandLine cl = Akmon.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        java.io.PrintStream stdout = System.out;
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream sysOut = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream sysErr = new java.io.ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new java.io.PrintStream(sysOut, true));
            System.setErr(new java.io.PrintStream(sysErr, true));
            exit = cl.execute(args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new Run(exit, out + sysOut.toString(), err + sysErr.toString());
    }

    @Test
    void everySubcommandHasHelp() {
        for (List<String> command : List.of(List.of("agent"), List.of("run"), List.of("top"), List.of("status"),
                List.of("rules"), List.of("rules", "validate"), List.of("rules", "replay"),
                List.of("es"), List.of("es", "setup"), List.of("es", "retention"))) {
            String[] args = new java.util.ArrayList<String>(command) {{ add("--help"); }}.toArray(new String[0]);
            CommandLine cl = Akmon.commandLine();
            CommandLine sub = cl;
            for (String c : command) {
                sub = sub.getSubcommands().get(c);
                assertTrue(sub != null, "akmon " + String.join(" ", command) + " exists");
            }
            String usage = sub.getUsageMessage();
            assertTrue(usage.contains("--help"), usage);
            assertEquals(0, Akmon.commandLine().execute(args), String.join(" ", command) + " --help");
        }
    }

    @Test
    void rulesValidateExitsZeroOnTheDefaultRulesAndTwoOnABrokenFile(@TempDir Path dir) throws Exception {
        Run ok = runCapturingSystemStreams("rules", "validate", "--json", Path.of("..", "flink-jobs", "src", "main", "resources", "rules", "default-rules.yaml").toString());
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().contains("\"valid\":true"), ok.out());

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "rules:\n  - name: x\n    within: ten seconds\n");
        Run broken = runCapturingSystemStreams("rules", "validate", bad.toString());
        assertEquals(2, broken.exit(), broken.out() + broken.err());
    }

    @Test
    void esSetupNamesAnUnreachableNodeAndTheFix() {
        Run r = run("es", "setup", "--es", "http://127.0.0.1:1");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("Connection refused") && r.err().contains("fix: check that Elasticsearch answers at http://127.0.0.1:1"), "stderr: " + r.err() + " stdout: " + r.out());
    }

    /** Asserts one line on stderr that starts with {@code prefix} and names a fix, and exit code 2. */
    private static void oneLineUsageError(Run r, String prefix) {
        assertEquals(2, r.exit(), "exit code; stderr: " + r.err() + " stdout: " + r.out());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), "one line: " + r.err());
        assertTrue(lines.get(0).startsWith(prefix), lines.get(0));
        assertTrue(lines.get(0).contains("; fix: "), lines.get(0));
    }

    @Test
    void everyEntryPointAnswersAnUnknownFlagWithOneLineAndExitTwo() {
        // Each command with its required arguments, so the unknown flag is the only problem.
        for (List<String> command : List.of(List.of("agent"), List.of("run"), List.of("top", "--bootstrap", "x:1"), List.of("status", "--bootstrap", "x:1"),
                List.of("rules", "validate", "x.yaml"), List.of("rules", "replay", "x.yaml", "--from", "-1h"),
                List.of("es", "setup"), List.of("es", "retention"))) {
            List<String> args = new java.util.ArrayList<>(command);
            args.add("--windw");
            Run r = runCapturingSystemStreams(args.toArray(String[]::new));
            String name = String.join(" ", command.stream().takeWhile(a -> !a.startsWith("-") && !a.endsWith(".yaml")).toList());
            oneLineUsageError(r, "akmon " + name + ": Unknown option: '--windw'");
        }
        Run r = run("run", "--windw", "10s");
        assertTrue(r.err().contains("did you mean --window"), r.err());
    }

    @Test
    void everyEntryPointAnswersABadValueWithOneLineAndExitTwo() {
        String grammar = "is not a duration (use a whole number and a unit: 500ms, 10s, 5m, 1h, 1d)";
        oneLineUsageError(runCapturingSystemStreams("agent", "--interval", "1.5s"),
                "akmon agent: Invalid value for option '--interval': '1.5s' " + grammar);
        oneLineUsageError(run("run", "--window", "ten"), "akmon run: Invalid value for option '--window': 'ten' " + grammar);
        oneLineUsageError(run("top", "--bootstrap", "localhost:1", "--window", "10y"),
                "akmon top: Invalid value for option '--window': '10y' " + grammar);
        oneLineUsageError(run("status"), "akmon status: Missing required option: '--bootstrap=HOST:PORT'");
        oneLineUsageError(runCapturingSystemStreams("rules", "replay", "x.yaml", "--from", "-1h", "--grace", "soon"),
                "akmon rules replay: Invalid value for option '--grace': 'soon' " + grammar);
        oneLineUsageError(run("es", "setup", "--shards", "many"), "akmon es setup: Invalid value for option '--shards': 'many'");
        oneLineUsageError(run("es", "retention", "--retention-days", "a week"),
                "akmon es retention: Invalid value for option '--retention-days': 'a week'");
    }

    @Test
    void malformedFilesAreAnsweredWithOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        Path nulls = dir.resolve("agent.yaml");
        Files.writeString(nulls, "comms: [null]\n");
        Run r = runCapturingSystemStreams("agent", "--config", nulls.toString());
        oneLineUsageError(r, "akmon agent: invalid setting: comms has an empty item (null) at position 1");

        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "interval_ms: [\n");
        oneLineUsageError(runCapturingSystemStreams("agent", "--config", broken.toString()), "akmon agent: invalid config file " + broken);

        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "rules:\n  - name: x\n    within: ten seconds\n");
        Run v = runCapturingSystemStreams("rules", "validate", rules.toString());
        assertEquals(2, v.exit(), v.out() + v.err());
        assertEquals(1, (v.out() + v.err()).lines().filter(l -> l.contains("bad duration 'ten seconds'")).count(), v.out() + v.err());
    }
}

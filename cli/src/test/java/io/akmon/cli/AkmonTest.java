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
    private record Run(int exit, String out, String err) {
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
}

package io.akmon.cli.run;

import io.akmon.cli.top.PipelineView;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code akmon run --window} in any spelling reaches the jobs, the rules and the view as one label. */
class RunOptionsTest {
    @Test
    void aWindowOf10000msIsTheWindowLabelled10s() {
        for (String spelling : new String[] {"10000ms", "10s", "PT10S"}) {
            RunCommand run = new RunCommand();
            new CommandLine(run).parseArgs("--window", spelling);
            assertEquals("10s", run.options().window, spelling);
        }
        // The live view of that run shows the processes of the aggregates the job labels 10s.
        RunCommand run = new RunCommand();
        new CommandLine(run).parseArgs("--window", "10000ms");
        PipelineView view = new PipelineView(run.options().window);
        com.fasterxml.jackson.databind.node.ObjectNode p = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                .put("kind", "process").put("resolution", "10s").put("host", "h1").put("timestamp", 10_000L)
                .put("window_end", 20_000L).put("pid", 42).put("comm", "spinner").put("cpu_pct", 50.0);
        view.accept("akmon.aggregates", p);
        assertEquals(1, view.topProcesses(10).size());

        RunCommand minute = new RunCommand();
        new CommandLine(minute).parseArgs("--window", "1min");
        assertEquals("1m", minute.options().window);
    }

    @Test
    void plaintextUnlessAskedForTls() {
        RunCommand plain = new RunCommand();
        new CommandLine(plain).parseArgs();
        assertEquals(false, plain.options().tls);
        RunCommand tls = new RunCommand();
        new CommandLine(tls).parseArgs("--tls");
        assertEquals(true, tls.options().tls);
    }
}

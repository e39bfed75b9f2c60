package io.akmon.flink.alert;

import io.akmon.flink.config.JobOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static io.akmon.flink.alert.Scenario.SECOND;
import static io.akmon.flink.alert.Scenario.T0;
import static io.akmon.flink.alert.Scenario.fired;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One duration grammar end to end: a window given as 10000ms labels its aggregates 10s in the
 * aggregation job, and rules told the resolution in any spelling look for that same label and fire.
 */
class ResolutionGrammarTest {
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
                    .build());

    @Test
    void aWindowOf10000msIsLabelled10sAndTheRulesFireOnIt() throws Exception {
        JobOptions job = JobOptions.parse("--window", "10000ms", "--rollup-window", "60000ms");
        assertEquals(List.of("10s", "1m"), job.resolutions().stream().map(JobOptions::label).toList());

        for (String spelling : List.of("10000ms", "PT10S", "10s")) {
            Scenario s = new Scenario();
            s.process("fire", 10, "10s", T0, 95).process("fire", 10, "10s", T0 + 10 * SECOND, 97.5)
                    .process("fire", 10, "10s", T0 + 20 * SECOND, 96);
            List<Alert> alerts = s.run(AlertJob.defaultRules(Map.of("aggregate_resolution", spelling)));
            assertEquals(List.of("cpu-sustained host=fire pid=10"), fired(alerts), spelling);
        }
    }
}

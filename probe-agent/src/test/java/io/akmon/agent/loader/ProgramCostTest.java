package io.akmon.agent.loader;

import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgramCostTest {
    @Test
    void intervalFiguresAreTheDifferenceOfTwoReadings() {
        ProgramCost first = new ProgramCost("akmon_sys_exit", 1_000, 50_000, 1_000_000_000L);
        ProgramCost second = new ProgramCost("akmon_sys_exit", 3_000, 250_000, 3_000_000_000L);
        ProgramCost d = second.since(first);
        assertEquals(2_000, d.runCount());
        assertEquals(100.0, d.nsPerRun());
        assertEquals(1_000.0, d.runsPerSecond());
        assertEquals(0.0001, d.cpuShare(), 1e-12);
        assertEquals(second, second.since(null));
        assertEquals(0.0, new ProgramCost("p", 0, 0, 0).nsPerRun());
    }

    @Test
    void healthEntriesCarryTotalsAndIntervalRates() {
        ProgramCost first = new ProgramCost("akmon_exec", 10, 10_000, 1_000_000_000L);
        ProgramCost second = new ProgramCost("akmon_exec", 30, 50_000, 2_000_000_000L);
        List<Map<String, Object>> e = ProgramStats.healthEntries(List.of(second), Map.of("akmon_exec", first));
        assertEquals(Map.of(Fields.PROGRAM, "akmon_exec", Fields.RUN_CNT, 30L, Fields.RUN_TIME_NS, 50_000L,
                Fields.NS_PER_RUN, 2000.0, Fields.RUNS_PER_S, 20.0), e.get(0));
        Map<String, Object> firstTime = ProgramStats.healthEntries(List.of(first), Map.of()).get(0);
        assertEquals(1000.0, firstTime.get(Fields.NS_PER_RUN));
        assertEquals(10.0, firstTime.get(Fields.RUNS_PER_S));
    }
}

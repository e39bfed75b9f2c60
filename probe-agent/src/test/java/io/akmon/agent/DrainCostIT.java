package io.akmon.agent;

import io.akmon.agent.publish.CollectingSink;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On the real kernel, a drain reads the entries that changed since the previous one, not every
 * process the agent knows, and what it reports stays exact.
 */
class DrainCostIT {
    @Test
    void aDrainReadsTheChangedEntriesOnlyAndStaysExact() throws Exception {
        AgentSettings s = new AgentSettings();
        s.families = List.of("syscall", "cpu", "memory");
        s.intervalMs = 600_000; // only the drains this test asks for
        s.pinDir = "";
        CollectingSink sink = new CollectingSink();
        long k = 77_777;
        List<Workload> idle = new ArrayList<>();
        try (Workload w = Workload.start("getppid", Long.toString(k)); Agent agent = Agent.start(s, sink, System.err)) {
            for (int i = 0; i < 30; i++) {
                idle.add(Workload.start("getppid", "1")); // starts under the agent, then waits: entries that stop changing
            }
            agent.sync(); // the first drain reads every entry
            agent.sync();
            int known = agent.trackedState();
            w.go();
            agent.sync();
            int visited = agent.lastDrainVisited();
            System.out.printf("drain read %d changed entries of %d known%n", visited, known);
            assertTrue(visited >= 0, "the drain read changed entries, not every entry");
            assertTrue(visited <= known - idle.size(),
                    "the idle processes' entries were not read: " + visited + " read of " + known + " known");
            long counted = sink.matching(e -> e.pid() == w.pid() && e.type() == EventType.SYSCALL
                    && "getppid".equals(e.getString(Fields.SYSCALL))).stream().mapToLong(e -> e.getLong(Fields.COUNT)).sum();
            assertEquals(k, counted, "getppid calls of the workload, read through the changed entries");
        } finally {
            idle.forEach(Workload::close);
        }
    }
}

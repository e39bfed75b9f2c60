package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.publish.CollectingSink;
import io.akmon.schema.EventType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The monitor is monitored: the agent's own process appears in its records like any other. */
class SelfTracingIT {
    @Test
    void theAgentsOwnProcessHasCpuSyscallAndMemoryRecords() throws Exception {
        AgentSettings s = new AgentSettings();
        s.families = List.of("syscall", "cpu", "memory");
        s.intervalMs = 200;
        s.pinDir = "";
        int self = (int) ProcessHandle.current().pid();
        CollectingSink sink = new CollectingSink();
        Agent agent = Agent.start(s, sink, System.err);
        try {
            Thread.sleep(1000);
            agent.sync();
            agent.sync();
        } finally {
            agent.close();
        }
        List<Event> mine = sink.matching(e -> e.pid() == self);
        Set<EventType> types = mine.stream().map(Event::type).collect(Collectors.toSet());
        assertTrue(types.containsAll(Set.of(EventType.CPU, EventType.SYSCALL, EventType.MEMORY)),
                "records of the agent's own pid " + self + ": " + types);
        assertTrue(mine.stream().allMatch(e -> "java".equals(e.comm())), "under its real name: " + mine.get(0).comm());
    }
}

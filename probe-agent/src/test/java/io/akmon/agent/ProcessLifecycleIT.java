package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** N children spawned give exactly N fork, N exec and N exit records, with the right exit codes. */
class ProcessLifecycleIT {
    private static final int CHILDREN = 25;
    private static final int CODE = 7;

    @Test
    void everyChildIsForkedExecedAndExitsWithItsCode() {
        try (Workload w = Workload.start("spawn", Integer.toString(CHILDREN), Integer.toString(CODE))) {
            TracedRun run = TracedRun.of(w);
            try {
                assertLifecycle(run, w.pid());
            } finally {
                run.close();
            }
        }
    }

    @Test
    void perfBufferTransportCarriesTheSameRecords() {
        try (Workload w = Workload.start("spawn", Integer.toString(CHILDREN), Integer.toString(CODE))) {
            TracedRun run = TracedRun.of(w, s -> s.transport = AgentSettings.Transport.PERF);
            try {
                assertLifecycle(run, w.pid());
            } finally {
                run.close();
            }
        }
    }

    static void assertLifecycle(TracedRun run, int parent) {
        List<Event> forks = run.events(EventType.FORK).stream().filter(e -> e.getLong(Fields.PPID) == parent).toList();
        Set<Integer> children = forks.stream().map(Event::pid).collect(Collectors.toSet());
        assertEquals(CHILDREN, forks.size(), "fork records");
        assertEquals(CHILDREN, children.size(), "distinct children");

        List<Event> execs = run.events(EventType.EXEC).stream().filter(e -> children.contains(e.pid())).toList();
        assertEquals(CHILDREN, execs.size(), "exec records of the children");
        for (Event e : execs) {
            assertEquals(parent, e.getLong(Fields.PPID));
            assertEquals(Workload.binary().toString(), e.getString(Fields.FILENAME));
            assertEquals(List.of(e.getString(Fields.FILENAME), "exit", Integer.toString(CODE)), e.get(Fields.ARGV));
            assertEquals(0, e.getLong(Fields.UID));
        }

        List<Event> exits = run.events(EventType.EXIT).stream().filter(e -> children.contains(e.pid())).toList();
        assertEquals(CHILDREN, exits.size(), "exit records of the children");
        for (Event e : exits) {
            assertEquals(CODE, e.getLong(Fields.EXIT_CODE));
            assertEquals(0, e.getLong(Fields.SIGNAL));
            assertEquals("workload", e.comm());
            assertTrue(e.getLong(Fields.LIFETIME_NS) > 0);
        }
        // the parent's own exit, with code 0
        List<Event> parentExit = run.events(EventType.EXIT).stream().filter(e -> e.pid() == parent).toList();
        assertEquals(1, parentExit.size());
        assertEquals(0, parentExit.get(0).getLong(Fields.EXIT_CODE));
        // nothing from outside the traced tree
        Set<Integer> tree = new java.util.HashSet<>(children);
        tree.add(parent);
        for (Event e : run.all()) {
            if (e.type() != EventType.LOST && e.type() != EventType.NET && e.type() != EventType.HOST) { // host: the machine, not a process
                assertTrue(tree.contains(e.pid()), "record from untraced pid " + e.pid() + ": " + e);
            }
        }
        assertEquals(0, run.events(EventType.LOST).size(), "no loss: " + run.events(EventType.LOST));
    }
}

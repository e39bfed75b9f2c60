package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.publish.CollectingSink;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Filters apply in the kernel: what they exclude never reaches the agent. */
class FilterIT {

    private static AgentSettings base() {
        AgentSettings s = new AgentSettings();
        s.intervalMs = 200;
        s.pinDir = "";
        return s;
    }

    @Test
    void aCommFilterKeepsOnlyThatCommand() {
        AgentSettings s = base();
        s.comms = List.of("workload");
        CollectingSink sink = new CollectingSink();
        try (Workload w = Workload.start("getppid", "5000"); Agent agent = Agent.start(s, sink, System.err)) {
            w.go();
            w.finish();
            agent.sync();
            List<Event> all = sink.matching(e -> e.type() != EventType.LOST && e.type() != EventType.HOST);
            assertFalse(all.isEmpty());
            for (Event e : all) {
                assertEquals("workload", e.comm(), "record from another command: " + e);
            }
            assertEquals(5000, sink.matching(e -> e.pid() == w.pid() && e.type() == EventType.SYSCALL
                    && "getppid".equals(e.getString(Fields.SYSCALL))).stream().mapToLong(e -> e.getLong(Fields.COUNT)).sum());
        }
    }

    @Test
    void aCgroupFilterKeepsOnlyItsMembers() throws Exception {
        Path root = unifiedRoot();
        Path group = root.resolve("akmon-filter-it-" + ProcessHandle.current().pid());
        Files.createDirectories(group);
        try (Workload inside = Workload.start("getppid", "3000"); Workload outside = Workload.start("getppid", "4000")) {
            Files.writeString(group.resolve("cgroup.procs"), Integer.toString(inside.pid()));
            AgentSettings s = base();
            s.cgroups = List.of(group.toString());
            CollectingSink sink = new CollectingSink();
            try (Agent agent = Agent.start(s, sink, System.err)) {
                inside.go();
                outside.go();
                agent.sync();
                long in = sink.matching(e -> e.pid() == inside.pid() && "getppid".equals(e.getString(Fields.SYSCALL)))
                        .stream().mapToLong(e -> e.getLong(Fields.COUNT)).sum();
                assertEquals(3000, in);
                assertTrue(sink.matching(e -> e.pid() == outside.pid()).isEmpty(), "the process outside the cgroup is not traced");
                for (Event e : sink.matching(e -> e.type() != EventType.LOST && e.type() != EventType.HOST)) {
                    assertEquals(inside.pid(), e.pid(), "only the member is traced: " + e);
                }
            }
            inside.finish();
            Files.writeString(root.resolve("cgroup.procs"), Integer.toString(inside.pid()), java.nio.file.StandardOpenOption.WRITE);
        } catch (java.io.IOException ignored) {
            // the member already exited: nothing to move back
        } finally {
            Files.deleteIfExists(group);
        }
    }

    /** The cgroup v2 hierarchy: /sys/fs/cgroup itself, or its "unified" mount on hybrid systems. */
    static Path unifiedRoot() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            if (f[2].equals("cgroup2")) {
                return Path.of(f[1]);
            }
        }
        throw new IllegalStateException("no cgroup v2 hierarchy mounted");
    }
}

package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A process over its memory cgroup's limit is OOM-killed; the agent reports the kill and the exit. */
class OomKillIT {
    private static final long LIMIT = 32L << 20;

    @Test
    void anOomKillIsReportedWithTheVictim() throws Exception {
        Path group = memoryCgroup();
        try (Workload w = Workload.start("alloc", "128")) {
            joinWithLimit(group, w.pid());
            TracedRun run = TracedRun.attach(w, s -> { });
            try {
                try {
                    w.go();
                } catch (IllegalStateException expected) {
                    // killed before it could report done
                }
                int status = w.finish();
                assertEquals(128 + 9, status, "killed by SIGKILL");
                run.agent().sync();
                run.agent().sync();
                List<Event> kills = run.events(EventType.MEMORY).stream()
                        .filter(e -> "oom_kill".equals(e.getString(Fields.EVENT))).toList();
                assertEquals(1, kills.size(), "one OOM kill: " + kills);
                Event kill = kills.get(0);
                assertEquals(w.pid(), kill.pid());
                assertEquals("workload", kill.comm());
                assertTrue(kill.getLong(Fields.RSS_BYTES) > LIMIT / 2, "victim's RSS " + kill.getLong(Fields.RSS_BYTES));
                List<Event> exits = run.events(EventType.EXIT).stream().filter(e -> e.pid() == w.pid()).toList();
                assertEquals(1, exits.size());
                assertEquals(9L, exits.get(0).getLong(Fields.SIGNAL));
            } finally {
                run.close();
            }
        } finally {
            Files.deleteIfExists(group); // rmdir of an empty cgroup
        }
    }

    /** A fresh memory cgroup: cgroup v1's memory controller if mounted, else a v2 group. */
    private static Path memoryCgroup() throws Exception {
        Path v1 = Path.of("/sys/fs/cgroup/memory");
        Path parent = Files.exists(v1.resolve("memory.limit_in_bytes")) ? v1 : FilterIT.unifiedRoot();
        Path group = parent.resolve("akmon-oom-it-" + ProcessHandle.current().pid());
        Files.createDirectories(group);
        return group;
    }

    private static void joinWithLimit(Path group, int pid) throws Exception {
        if (Files.exists(group.resolve("memory.limit_in_bytes"))) {
            Files.writeString(group.resolve("memory.limit_in_bytes"), Long.toString(LIMIT));
        } else {
            Files.writeString(group.resolve("memory.max"), Long.toString(LIMIT));
            Files.writeString(group.resolve("memory.swap.max"), "0");
        }
        Files.writeString(group.resolve("cgroup.procs"), Integer.toString(pid));
    }
}

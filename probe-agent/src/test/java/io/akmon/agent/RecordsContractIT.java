package io.akmon.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.event.Event;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.contract.RecordCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the real agent writes for real workloads in this kernel, every family on, follows the event table
 * (io.akmon.schema.contract.EventContract) record by record.
 */
class RecordsContractIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ALL = List.of("process", "syscall", "cpu", "memory", "disk", "net", "file");

    private static Set<EventType> check(TracedRun run, List<String> problems) throws Exception {
        Set<EventType> seen = EnumSet.noneOf(EventType.class);
        for (Event e : run.all()) {
            seen.add(e.type());
            for (String p : RecordCheck.problems(JSON.readTree(e.toJson()))) {
                if (problems.size() < 20) {
                    problems.add(p + "    in " + e.toJson());
                }
            }
        }
        return seen;
    }

    @Test
    void processesNetworkAndFilesFollowTheTable(@TempDir Path tmp) throws Exception {
        List<String> problems = new ArrayList<>();
        Set<EventType> seen = EnumSet.noneOf(EventType.class);
        String[][] workloads = {
            {"spawn", "3", "7"},
            {"tcp", "100000"},
            {"udp", "10"},
            {"fileio", tmp.resolve("io.dat").toString(), "1048576", "1000"},
            {"files", tmp.toString(), "3"},
        };
        for (String[] args : workloads) {
            try (Workload w = Workload.start(args)) {
                TracedRun run = TracedRun.of(w, s -> s.families = ALL);
                try {
                    seen.addAll(check(run, problems));
                } finally {
                    run.close();
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(seen.containsAll(EnumSet.of(EventType.FORK, EventType.EXEC, EventType.EXIT, EventType.SYSCALL,
                EventType.CPU, EventType.MEMORY, EventType.NET, EventType.FILE, EventType.HOST)), "families seen: " + seen);
    }
}

package io.akmon.agent.host;

import io.akmon.agent.drain.AgentStream;
import io.akmon.agent.event.Event;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The initial sample of a process older than the agent says who it is, read from the real /proc. */
class InitialMemoryTest {
    private static final int SELF = (int) ProcessHandle.current().pid();

    private static Event sampleOfThisJvm(int argvMax) {
        AgentStream stream = new AgentStream(new io.akmon.agent.testing.MemoryMap("agent_seq", 4, 8, 1),
                HostIdentity.local(null));
        List<LongFunction<Event>> drafts = new ArrayList<>();
        new InitialMemory(stream, pid -> pid == SELF, argvMax).drain(drafts, System.currentTimeMillis() * 1_000_000L, 1);
        assertEquals(1, drafts.size(), "one sample: this JVM");
        return drafts.get(0).apply(1);
    }

    @Test
    void carriesParentUidStartExeAndArgv() throws Exception {
        Event e = sampleOfThisJvm(1023);
        assertEquals(Boolean.TRUE, e.get(Fields.INITIAL));
        assertEquals(ProcessHandle.current().parent().orElseThrow().pid(), ((Number) e.get(Fields.PPID)).longValue());
        String status = Files.readString(Path.of("/proc/self/status"));
        String realUid = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1];
        assertEquals(Integer.parseInt(realUid), ((Number) e.get(Fields.UID)).intValue());
        assertEquals(Files.readSymbolicLink(Path.of("/proc/self/exe")).toString(), e.get(Fields.FILENAME));
        List<?> argv = (List<?>) e.get(Fields.ARGV);
        assertNotNull(argv);
        String cmdline = new String(Files.readAllBytes(Path.of("/proc/self/cmdline")), StandardCharsets.UTF_8);
        assertEquals(cmdline.split("\0")[0], argv.get(0));
        // Started when the JVM did (the JVM's own start time is a little later than the kernel's fork).
        long start = ((Number) e.get(Fields.START_TS)).longValue();
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime() * 1_000_000L;
        assertTrue(Math.abs(start - jvmStart) < 5_000_000_000L, "start " + start + " vs JVM start " + jvmStart);
    }

    @Test
    void boundsTheCommandLineAsExecRecordsAre() {
        Event e = sampleOfThisJvm(8);
        List<?> argv = (List<?>) e.get(Fields.ARGV);
        @SuppressWarnings("unchecked")
        String joined = String.join("\0", (List<String>) argv);
        assertTrue(joined.getBytes(StandardCharsets.UTF_8).length <= 8, "at most 8 bytes: " + argv);
        assertEquals(Boolean.TRUE, e.get(Fields.ARGV_TRUNCATED));
        assertEquals(List.of("a", "bc", "d"), InitialMemory.argv("a\0bc\0d\0".getBytes(StandardCharsets.UTF_8), 7));
        assertEquals(List.of("a", "b"), InitialMemory.argv("a\0bc\0d\0".getBytes(StandardCharsets.UTF_8), 3));
        assertFalse(InitialMemory.argv(new byte[0], 0).iterator().hasNext());
    }
}

package io.akmon.agent.host;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HostStatTest {
    private static final String STAT = """
            cpu  4705 150 1120 16250 520 30 40 7 100 0
            cpu0 2350 75 560 8125 260 15 20 3 50 0
            cpu1 2355 75 560 8125 260 15 20 4 50 0
            intr 12345 0 0
            ctxt 987654
            """;

    @Test
    void busyIsUserNiceSystemIrqSoftirqStealInNanoseconds() {
        HostStat.Cpu c = HostStat.parseCpu(STAT);
        assertEquals(4705 * 10_000_000L, c.user());
        assertEquals((4705 + 150 + 1120 + 30 + 40 + 7) * 10_000_000L, c.busy(), "guest is inside user already");
        assertEquals(16250 * 10_000_000L, c.idle());
        assertEquals(520 * 10_000_000L, c.iowait());
        assertEquals(2, HostStat.cpusOnline(STAT));
        HostStat.Cpu later = HostStat.parseCpu(STAT.replace("cpu  4705", "cpu  4805"));
        assertEquals(100 * 10_000_000L, later.minus(c).busy());
    }

    @Test
    void memoryUsedIsTotalMinusAvailable() {
        HostStat.Memory m = HostStat.parseMemory("""
                MemTotal:       24000000 kB
                MemFree:         1000000 kB
                MemAvailable:   20000000 kB
                Buffers:           10000 kB
                """);
        assertEquals(24000000L * 1024, m.total());
        assertEquals(20000000L * 1024, m.available());
        assertEquals(4000000L * 1024, m.used());
    }

    @Test
    void somethingElseThanProcStatIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostStat.parseCpu("intr 1 2 3\n"));
        assertEquals(true, e.getMessage().contains("/proc/stat"));
        assertThrows(IllegalArgumentException.class, () -> HostStat.parseMemory("MemFree: 1 kB\n"));
    }
}

package io.akmon.flink.alert;

import io.akmon.flink.alert.rules.RuleSet;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static io.akmon.flink.alert.Scenario.SECOND;
import static io.akmon.flink.alert.Scenario.T0;
import static io.akmon.flink.alert.Scenario.fired;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Each default rule fires on a scenario built for it and stays silent on near misses (one below the
 * threshold, one occurrence too few, outside the time window). Every scenario runs the whole default
 * rule set, so the assertions also say that no other rule fires. Hosts name the scenario.
 */
class DefaultRulesTest {
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
                    .build());

    static RuleSet rules;

    @BeforeAll
    static void load() {
        rules = AlertJob.defaultRules(Map.of());
    }

    @Test
    void cpuSustainedFiresOnThreeConsecutiveWindowsAbove90() throws Exception {
        Scenario s = new Scenario();
        s.process("fire", 10, "10s", T0, 95).process("fire", 10, "10s", T0 + 10 * SECOND, 97.5)
                .process("fire", 10, "10s", T0 + 20 * SECOND, 96);
        // At the threshold is not above it.
        s.process("at-threshold", 10, "10s", T0, 95).process("at-threshold", 10, "10s", T0 + 10 * SECOND, 90)
                .process("at-threshold", 10, "10s", T0 + 20 * SECOND, 95).process("at-threshold", 10, "10s",
                        T0 + 30 * SECOND, 95);
        s.process("two-windows", 10, "10s", T0, 99).process("two-windows", 10, "10s", T0 + 10 * SECOND, 99);
        // A missing window: the three are not within the 30 s alert interval.
        s.process("gap", 10, "10s", T0, 99).process("gap", 10, "10s", T0 + 10 * SECOND, 99)
                .process("gap", 10, "10s", T0 + 30 * SECOND, 99);
        // Other resolutions are filtered out.
        s.process("coarse", 10, "1m", T0, 99).process("coarse", 10, "1m", T0 + 60 * SECOND, 99)
                .process("coarse", 10, "1m", T0 + 120 * SECOND, 99);

        List<Alert> alerts = s.run(rules);

        assertEquals(List.of("cpu-sustained host=fire pid=10"), fired(alerts));
        Alert a = alerts.get(0);
        assertEquals("warning", a.severity);
        assertEquals(T0, a.firstMatched);
        assertEquals(T0 + 20 * SECOND, a.lastMatched);
        assertEquals("fire: busy (pid 10) used 95% CPU or more for 3 windows (peak 97.5%)", a.message);
        assertEquals(3, a.matched.get("busy").size());
        assertEquals(97.5, a.matched.get("busy").get(1).get("cpu_pct"));
        assertEquals(Map.of("host", "fire", "pid", 10L), a.keyFields);
    }

    @Test
    void memoryHighFiresAbove85PercentOfTotal() throws Exception {
        long total = 17_179_869_184L;
        long limit = total * 85 / 100; // 14602888806.4 rounded down: still not above the threshold
        Scenario s = new Scenario();
        for (int i = 0; i < 3; i++) {
            s.host("fire", "10s", T0 + i * 10 * SECOND, limit + 1, 0, 0);
            s.host("at-limit", "10s", T0 + i * 10 * SECOND, limit, 0, 0);
        }
        s.host("two-windows", "10s", T0, total, 0, 0).host("two-windows", "10s", T0 + 10 * SECOND, total, 0, 0)
                .host("two-windows", "10s", T0 + 20 * SECOND, limit - 1000, 0, 0);

        List<Alert> alerts = s.run(rules);

        assertEquals(List.of("memory-high host=fire"), fired(alerts));
        assertEquals("fire: processes use 14602888807 bytes of memory, above 85% of 17179869184",
                alerts.get(0).message);
    }

    @Test
    void diskIopsHighFiresAbove5000ReadPlusWrite() throws Exception {
        Scenario s = new Scenario();
        for (int i = 0; i < 3; i++) {
            long t = T0 + i * 10 * SECOND;
            s.disk("fire", "nvme0n1", "10s", t, 3000, 2000.1);
            s.disk("at-threshold", "sda", "10s", t, 2500, 2500);
            if (i < 2) {
                s.disk("two-windows", "sda", "10s", t, 9000, 9000);
            }
        }
        List<Alert> alerts = s.run(rules);

        assertEquals(List.of("disk-iops-high host=fire device=nvme0n1"), fired(alerts));
        assertEquals("fire: nvme0n1 at 5000.1 IOPS or more for 3 windows (peak 5000.1)", alerts.get(0).message);
    }

    @Test
    void networkHighFiresAboveOneGigabitPerSecond() throws Exception {
        Scenario s = new Scenario();
        for (int i = 0; i < 3; i++) {
            long t = T0 + i * 10 * SECOND;
            s.host("fire", "10s", t, 0, 100_000_000, 25_000_001);   // 1 000 000 008 bit/s
            s.host("at-threshold", "10s", t, 0, 100_000_000, 25_000_000);
        }
        s.host("gap", "10s", T0, 0, 200_000_000, 0).host("gap", "10s", T0 + 10 * SECOND, 0, 200_000_000, 0)
                .host("gap", "10s", T0 + 20 * SECOND, 0, 1_000, 0)
                .host("gap", "10s", T0 + 30 * SECOND, 0, 200_000_000, 0);

        List<Alert> alerts = s.run(rules);

        assertEquals(List.of("network-high host=fire"), fired(alerts));
        assertEquals("fire: network at 1000000008 bit/s or more for 3 windows", alerts.get(0).message);
    }

    @Test
    void crashLoopFiresOnThreeFailedExitsOfOneExecutableIn60Seconds() throws Exception {
        Scenario s = new Scenario();
        s.exit("fire", 100, "worker", 1, 0, T0).exit("fire", 101, "worker", 2, 0, T0 + 20 * SECOND)
                .exit("fire", 102, "worker", 3, 0, T0 + 40 * SECOND);
        s.exit("signals", 100, "worker", 0, 9, T0).exit("signals", 101, "worker", 0, 11, T0 + SECOND)
                .exit("signals", 102, "worker", 0, 9, T0 + 2 * SECOND);
        s.exit("two", 100, "worker", 1, 0, T0).exit("two", 101, "worker", 1, 0, T0 + SECOND);
        s.exit("one-clean", 100, "worker", 1, 0, T0).exit("one-clean", 101, "worker", 0, 0, T0 + SECOND)
                .exit("one-clean", 102, "worker", 1, 0, T0 + 2 * SECOND);
        s.exit("different", 100, "worker", 1, 0, T0).exit("different", 101, "other", 1, 0, T0 + SECOND)
                .exit("different", 102, "worker", 1, 0, T0 + 2 * SECOND);
        s.exit("slow", 100, "worker", 1, 0, T0).exit("slow", 101, "worker", 1, 0, T0 + 30 * SECOND)
                .exit("slow", 102, "worker", 1, 0, T0 + 60 * SECOND);

        List<Alert> alerts = s.run(rules);

        assertEquals(List.of("crash-loop host=fire comm=worker", "crash-loop host=signals comm=worker"),
                fired(alerts));
        Alert fire = alerts.stream().filter(a -> a.key.equals("host=fire comm=worker")).findFirst().orElseThrow();
        assertEquals("critical", fire.severity);
        assertEquals("fire: worker crashed 3 times in 60s (last exit code 3, signal 0)", fire.message);
        assertEquals(T0, fire.firstMatched);
        assertEquals(T0 + 40 * SECOND, fire.lastMatched);
        assertEquals("crash-loop/host=fire,comm=worker/" + T0, fire.id);
    }

    @Test
    void crashLoopIsThrottledPerKeyAndCountsWhatItSuppressed() throws Exception {
        Scenario s = new Scenario();
        // Nine crashes in 45 s: three matches, one alert carrying two suppressed.
        for (int i = 0; i < 9; i++) {
            s.exit("h", 100 + i, "worker", 1, 0, T0 + i * 5 * SECOND);
        }
        // After the 10 min throttle interval a new loop alerts again.
        long later = T0 + 11 * 60 * SECOND;
        for (int i = 0; i < 3; i++) {
            s.exit("h", 200 + i, "worker", 1, 0, later + i * SECOND);
        }

        List<Alert> alerts = s.run(rules);

        assertEquals(3, alerts.size(), alerts.toString());
        Alert first = alerts.get(0);
        Alert update = alerts.get(1);
        Alert next = alerts.get(2);
        assertEquals(0, first.suppressed);
        assertEquals(T0 + 10 * SECOND, first.lastMatched);
        assertEquals(first.id, update.id);
        assertEquals(2, update.suppressed);
        assertEquals(T0 + 40 * SECOND, update.lastMatched);
        assertEquals(0, next.suppressed);
        assertEquals(later, next.firstMatched);
        assertEquals("crash-loop/host=h,comm=worker/" + later, next.id);
    }

    @Test
    void forkStormFiresOnMoreThan50ForksByOneParentIn10Seconds() throws Exception {
        Scenario s = new Scenario();
        for (int i = 0; i < 51; i++) {
            s.fork("fire", 1000, 2000 + i, T0 + i * 100);
        }
        for (int i = 0; i < 50; i++) {
            s.fork("fifty", 1000, 2000 + i, T0 + i * 100);
        }
        // 51 forks but spread over 12.5 s.
        for (int i = 0; i < 51; i++) {
            s.fork("slow", 1000, 2000 + i, T0 + i * 250);
        }
        // 51 forks by two parents.
        for (int i = 0; i < 51; i++) {
            s.fork("two-parents", 1000 + i % 2, 2000 + i, T0 + i * 100);
        }

        List<Alert> alerts = s.run(rules);

        assertEquals(List.of("fork-storm host=fire ppid=1000"), fired(alerts));
        assertEquals("fire: pid 1000 forked 51 processes within 10s", alerts.get(0).message);
        assertEquals(T0 + 5000, alerts.get(0).lastMatched);
    }

    @Test
    void memoryClimbThenOomFires() throws Exception {
        Scenario s = new Scenario();
        s.memory("fire", 7, "sample", 100, T0).memory("fire", 7, "sample", 200, T0 + SECOND)
                .memory("fire", 7, "sample", 300, T0 + 2 * SECOND).memory("fire", 7, "oom_kill", 300, T0 + 3 * SECOND);
        // The climb is broken: only two consecutive rising samples.
        s.memory("broken", 7, "sample", 100, T0).memory("broken", 7, "sample", 200, T0 + SECOND)
                .memory("broken", 7, "sample", 150, T0 + 2 * SECOND).memory("broken", 7, "sample", 250, T0 + 3 * SECOND)
                .memory("broken", 7, "oom_kill", 250, T0 + 4 * SECOND);
        s.memory("no-oom", 7, "sample", 100, T0).memory("no-oom", 7, "sample", 200, T0 + SECOND)
                .memory("no-oom", 7, "sample", 300, T0 + 2 * SECOND);
        // OOM more than 5 min after the climb began.
        s.memory("late", 7, "sample", 100, T0).memory("late", 7, "sample", 200, T0 + SECOND)
                .memory("late", 7, "sample", 300, T0 + 2 * SECOND).memory("late", 7, "oom_kill", 300, T0 + 301 * SECOND);

        List<Alert> alerts = s.run(rules);

        assertEquals(List.of("memory-climb-oom host=fire pid=7"), fired(alerts));
        assertEquals("fire: hog (pid 7) was OOM-killed after its RSS climbed from 100 to 300 bytes",
                alerts.get(0).message);
    }

    @Test
    void shellStartedByAProcessThatAcceptedAConnectionFires() throws Exception {
        Scenario s = new Scenario();
        s.net("fire", 50, "accept", "203.0.113.9", 8080, T0).exec("fire", 51, 50, "bash", T0 + 5 * SECOND);
        s.net("connect-only", 50, "connect", "203.0.113.9", 443, T0).exec("connect-only", 51, 50, "sh", T0 + SECOND);
        s.net("not-a-shell", 50, "accept", "203.0.113.9", 8080, T0).exec("not-a-shell", 51, 50, "bashful", T0 + SECOND);
        s.exec("before", 51, 50, "sh", T0).net("before", 50, "accept", "203.0.113.9", 8080, T0 + SECOND);
        s.net("other-parent", 50, "accept", "203.0.113.9", 8080, T0).exec("other-parent", 61, 60, "sh", T0 + SECOND);
        s.net("late", 50, "accept", "203.0.113.9", 8080, T0).exec("late", 51, 50, "sh", T0 + 601 * SECOND);

        List<Alert> alerts = s.run(rules);

        assertEquals(List.of("shell-after-accept host=fire pid=50"), fired(alerts));
        assertEquals("fire: netproc (pid 50) accepted a connection from 203.0.113.9 and then started the shell bash (pid 51)",
                alerts.get(0).message);
    }

    @Test
    void portScanFiresOnTwentyDistinctPortsIn10Seconds() throws Exception {
        Scenario s = new Scenario();
        for (int i = 0; i < 20; i++) {
            s.net("fire", 9, "connect", "10.0.0.2", 1000 + i, T0 + i * 100);
        }
        // 25 connections but only 19 distinct ports.
        for (int i = 0; i < 25; i++) {
            s.net("nineteen", 9, "connect", "10.0.0.2", 1000 + i % 19, T0 + i * 100);
        }
        for (int i = 0; i < 20; i++) {
            s.net("slow", 9, "connect", "10.0.0.2", 1000 + i, T0 + i * 600);
        }
        List<Alert> alerts = s.run(rules);

        assertEquals(List.of("port-scan host=fire pid=9"), fired(alerts));
        assertEquals("fire: netproc (pid 9) connected to 20 distinct ports within 10s", alerts.get(0).message);
    }

    @Test
    void etcWriteFiresOnAChangeUnderEtcByAProcessThatIsNotAPackageManager() throws Exception {
        Scenario s = new Scenario();
        s.file("fire", 40, "vi", "open", "/etc/passwd", null, 0, T0);
        s.file("renamed-in", 41, "mv", "rename", "/tmp/hosts", "/etc/hosts", 0, T0);
        s.file("removed", 42, "rm", "unlink", "/etc/cron.d/job", null, 0, T0);
        // A package manager may, a failed change changed nothing, and /etcetera is not /etc.
        s.file("dpkg", 43, "dpkg", "rename", "/etc/ssh/sshd_config.dpkg-new", "/etc/ssh/sshd_config", 0, T0);
        s.file("apt", 44, "apt-get", "create", "/etc/apt/sources.list.d/x.list", null, 0, T0);
        s.file("denied", 45, "sh", "open", "/etc/shadow", null, 13, T0);
        s.file("elsewhere", 46, "vi", "open", "/etcetera/notes", null, 0, T0);
        s.file("tmp", 47, "vi", "create", "/tmp/etc/passwd", null, 0, T0);

        List<Alert> alerts = s.run(rules);

        assertEquals(List.of("etc-write host=fire pid=40", "etc-write host=removed pid=42",
                "etc-write host=renamed-in pid=41"), fired(alerts).stream().sorted().toList());
        Alert fire = alerts.stream().filter(a -> a.keyFields.get("host").equals("fire")).findFirst().orElseThrow();
        assertEquals("warning", fire.severity);
        assertEquals("fire: vi (pid 40) changed a file under /etc: open /etc/passwd", fire.message);
    }
}

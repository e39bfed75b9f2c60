package io.akmon.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest {
    private static final Machine MACHINE = new Machine("test CPU", 2, 24L << 30, "6.18", "17");
    private static final FleetStream.Density SMALL = new FleetStream.Density(4, 500);
    private static final FleetStream.Density WIDE = new FleetStream.Density(64, 50);

    private static String write(Path dir, FlinkSuite.Result flink, Set<String> ran, List<String> notes) throws Exception {
        Report.write(dir, MACHINE, List.of(), List.of(), List.of(), flink, List.of(), List.of(), 0, 0, List.of(), 5,
                notes, ran, "./akmon bench --only " + String.join(",", ran));
        return Files.readString(dir.resolve("RESULTS.md"));
    }

    @Test
    void aSuiteThatDidNotRunSaysSoAndShowsNoFigure(@TempDir Path dir) throws Exception {
        String md = write(dir, null, Set.of("flink"), List.of());
        for (String suite : List.of("overhead", "throughput", "kafka", "scenarios", "pipeline", "memory", "jmh")) {
            assertTrue(md.contains("Not run: this run did not include the `" + suite + "` suite."), suite);
        }
        assertTrue(md.contains("Not measured: the `flink` suite ran but produced no figures"), md);
        assertFalse(md.contains("0.0 MiB"), "memory that was not measured must not read as 0 MiB");
        assertFalse(md.contains("| 0 |"), md);
        assertTrue(md.contains("| agent memory at most 256 MiB | not run |"), md);
        assertTrue(md.contains("| workload slowdown at most 1% (ratio 1.01) | not run |"), md);
        assertTrue(md.contains("Written by `./akmon bench --only flink`"), md);
    }

    @Test
    void theResultsHoldNoDatedFiguresOfEarlierRunsButLinkTheHistory(@TempDir Path dir) throws Exception {
        String md = write(dir, null, Set.of(), List.of());
        assertFalse(md.matches("(?s).*20\\d\\d-\\d\\d-\\d\\d[^T].*"), "a date other than this run's own timestamp");
        assertFalse(md.contains("**Fixed**"), md);
        assertTrue(md.contains("[HISTORY.md]("), md);
    }

    @Test
    void aFlinkJobThatWasNotMeasuredIsNotRunNeverZero(@TempDir Path dir) throws Exception {
        FlinkSuite.Settings s = new FlinkSuite.Settings(List.of(SMALL, WIDE), java.util.EnumSet.allOf(FlinkSuite.Job.class),
                Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofSeconds(60),
                2_000_000, Duration.ofSeconds(10), "flink-jobs/target/akmon-flink-jobs.jar");
        List<FlinkSuite.Run> runs = new ArrayList<>();
        JobRun.Checkpoints ckpt = new JobRun.Checkpoints(8, 0, 32_000_000, 32_000_000, 900, 800, 1500);
        runs.add(new FlinkSuite.Run(SMALL, FlinkSuite.Job.PASSTHROUGH,
                new JobRun.Measured(true, null, 6_000_000, 60, 61, 0, ckpt)));
        runs.add(new FlinkSuite.Run(SMALL, FlinkSuite.Job.AGGREGATION_HEAP,
                new JobRun.Measured(true, null, 600_000, 60, 61, 12_200, ckpt)));
        runs.add(new FlinkSuite.Run(SMALL, FlinkSuite.Job.AGGREGATION_ROCKSDB, JobRun.Measured.notRun("the job exited (code 1)")));
        // ALERT at SMALL and every job at WIDE are missing altogether
        String md = write(dir, new FlinkSuite.Result(s, runs), Set.of("flink"), List.of());
        assertTrue(md.contains("| 4 hosts x 500 processes | passthrough | **100,000** | 1 (baseline) | 98,361 | none (discards) |"), md);
        assertTrue(md.contains("| 4 hosts x 500 processes | aggregation, heap | **10,000** | **0.10** | 9,836 | 200 |"), md);
        assertTrue(md.contains("| 4 hosts x 500 processes | aggregation, rocksdb | not run: the job exited (code 1) |"), md);
        assertTrue(md.contains("| 64 hosts x 50 processes | alert | not run: not in this run |"), md);
        // 32,000,000 bytes over 2,000 live processes
        assertTrue(md.contains("| 4 hosts x 500 processes | aggregation, heap | 8 (0) | 30.5 MiB | 16,000 | 900 / 800 / 1,500 |"), md);
        assertTrue(md.contains("| aggregation on heap / passthrough >= 0.5, 4 hosts x 500 processes | 0.10 |"), md);
        assertTrue(md.contains("| aggregation on RocksDB >= 50,000 records/s per core, 4 hosts x 500 processes | not run |"), md);
        assertEquals(-1, md.indexOf("| 0 |"), md);
        assertFalse(md.contains("NaN"), md);
    }
}

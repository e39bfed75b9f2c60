package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The file family against a workload that makes known numbers of file system changes (workload.c
 * "files"): every change is one record with its resolved path and result, nothing else is, and the
 * kernel's prefix filters leave out exactly what they name.
 */
class FileEventsIT {
    private static final long N = 25;

    /** The workload's change records (not its read/write byte counts, which have no path). */
    private static List<Event> changes(TracedRun run, Workload w) {
        return run.events(EventType.FILE).stream().filter(e -> e.pid() == w.pid() && e.get(Fields.FD_KIND) == null).toList();
    }

    private static Map<String, Long> countsByOp(List<Event> events) {
        return events.stream().collect(Collectors.groupingBy(e -> e.getString(Fields.OP), TreeMap::new, Collectors.counting()));
    }

    @Test
    void everyChangeIsOneRecordWithItsResolvedPathAndAnExcludedDirectoryIsLeftOut(@TempDir Path tmp) throws Exception {
        Path dir = tmp.toRealPath().resolve("work");
        try (Workload w = Workload.start("files", dir.toString(), Long.toString(N))) {
            TracedRun run = TracedRun.of(w, s -> {
                s.families = List.of("process", "file");
                s.fileExclude = List.of(dir.resolve("skip").toString(), "/proc", "/sys");
            });
            try {
                List<Event> files = changes(run, w);
                assertEquals(new TreeMap<>(Map.of("create", N, "rename", N, "chmod", N, "truncate", N, "chown", N,
                        "unlink", N + 1, "mkdir", 1L, "rmdir", 1L)), countsByOp(files), files.toString());
                for (long i = 0; i < N; i++) {
                    String f = dir.resolve("f" + i).toString();
                    String g = dir.resolve("g" + i).toString();
                    assertEquals(1, files.stream().filter(e -> "create".equals(e.getString(Fields.OP))
                            && f.equals(e.getString(Fields.PATH))).count(), "create " + f);
                    assertEquals(1, files.stream().filter(e -> "rename".equals(e.getString(Fields.OP))
                            && f.equals(e.getString(Fields.PATH)) && g.equals(e.getString(Fields.NEW_PATH))).count(),
                            "rename " + f + " -> " + g);
                    for (String op : List.of("chmod", "truncate", "chown", "unlink")) {
                        assertEquals(1, files.stream().filter(e -> op.equals(e.getString(Fields.OP))
                                && g.equals(e.getString(Fields.PATH)) && "ok".equals(e.getString(Fields.RESULT))).count(),
                                op + " " + g);
                    }
                }
                Event missing = files.stream().filter(e -> dir.resolve("missing").toString().equals(e.getString(Fields.PATH)))
                        .findFirst().orElseThrow();
                assertEquals("unlink", missing.getString(Fields.OP));
                assertEquals("ENOENT", missing.getString(Fields.RESULT));
                assertEquals(2L, missing.getLong(Fields.ERRNO));
                Event mkdir = files.stream().filter(e -> "mkdir".equals(e.getString(Fields.OP))).findFirst().orElseThrow();
                assertEquals(dir.resolve("d").toString(), mkdir.getString(Fields.PATH));
                assertEquals((long) 0700, mkdir.getLong(Fields.MODE));
                for (Event e : files) {
                    assertEquals(false, e.get(Fields.PATH_RELATIVE), e.toString());
                    assertEquals(w.pid(), e.pid());
                    assertEquals("workload", e.comm());
                    assertEquals(0L, e.getLong(Fields.UID));
                    assertTrue(!e.getString(Fields.PATH).startsWith(dir.resolve("skip").toString()), e.toString());
                    assertTrue(!e.getString(Fields.PATH).endsWith("f0ro"), "a read-only open is no change: " + e);
                }
                assertTrue(run.events(EventType.LOST).isEmpty(), run.events(EventType.LOST).toString());
            } finally {
                run.close();
            }
        }
    }

    @Test
    void anIncludeKeepsOnlyItsDirectory(@TempDir Path tmp) throws Exception {
        Path dir = tmp.toRealPath().resolve("work");
        try (Workload w = Workload.start("files", dir.toString(), Long.toString(N))) {
            TracedRun run = TracedRun.of(w, s -> {
                s.families = List.of("process", "file");
                s.fileInclude = List.of(dir.resolve("skip").toString());
            });
            try {
                List<Event> files = changes(run, w);
                assertEquals(new TreeMap<>(Map.of("create", N, "unlink", N)), countsByOp(files), files.toString());
                for (long i = 0; i < N; i++) {
                    String s = dir.resolve("skip/s" + i).toString();
                    assertEquals(2, files.stream().filter(e -> s.equals(e.getString(Fields.PATH))).count(), s);
                }
            } finally {
                run.close();
            }
        }
    }

    private static long sum(List<Event> events, String kind, String op) {
        return events.stream().filter(e -> kind.equals(e.getString(Fields.FD_KIND)) && op.equals(e.getString(Fields.OP)))
                .mapToLong(e -> e.getLong(Fields.BYTES)).sum();
    }

    @Test
    void readingACachedFileCountsItsBytesExactlyWhileTheDiskReadsNothing(@TempDir Path tmp) throws Exception {
        long bytes = 7 * 1024 * 1024 + 12_345;
        long pipe = 100_003;
        try (Workload w = Workload.start("fileio", tmp.resolve("cached.dat").toString(), Long.toString(bytes),
                Long.toString(pipe))) {
            TracedRun run = TracedRun.of(w, s -> s.families = List.of("process", "file", "disk"));
            try {
                List<Event> io = run.events(EventType.FILE).stream()
                        .filter(e -> e.pid() == w.pid() && e.get(Fields.FD_KIND) != null).toList();
                assertEquals(bytes, sum(io, "file", "read"), "file bytes read: " + io);
                assertEquals(bytes / 2, sum(io, "file", "write"), "file bytes written");
                // the pipe also carries the test's "go\n" in (3 bytes) and "done \n" out (6): stdin and stdout are pipes
                assertEquals(pipe + 3, sum(io, "pipe", "read"), "pipe bytes read, apart from the file's");
                assertEquals(pipe + 6, sum(io, "pipe", "write"), "pipe bytes written");
                assertEquals(0, sum(io, "socket", "read") + sum(io, "socket", "write"));
                long fileReads = io.stream().filter(e -> "file".equals(e.getString(Fields.FD_KIND))
                        && "read".equals(e.getString(Fields.OP))).mapToLong(e -> e.getLong(Fields.OPS)).sum();
                assertEquals((bytes + 65535) / 65536, fileReads, "read calls that returned bytes");
                long diskRead = run.events(EventType.DISK).stream().filter(e -> e.pid() == w.pid()
                        && "read".equals(e.getString(Fields.OP))).mapToLong(e -> e.getLong(Fields.BYTES)).sum();
                assertTrue(diskRead < bytes / 100, "a cached file reaches the block layer hardly at all: " + diskRead);
                assertTrue(run.events(EventType.LOST).isEmpty(), run.events(EventType.LOST).toString());
            } finally {
                run.close();
            }
        }
    }
}

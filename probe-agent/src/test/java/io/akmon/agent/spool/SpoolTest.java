package io.akmon.agent.spool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpoolTest {

    private static byte[] rec(int i) {
        return ("record-" + i + "-" + "x".repeat(i % 50)).getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> readAll(Spool s) throws IOException {
        List<String> out = new ArrayList<>();
        Spool.Entry e;
        while ((e = s.next()) != null || (s.tryFlush() && (e = s.next()) != null)) {
            out.add(e.index() + ":" + new String(e.payload(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static List<String> expected(int from, int to) {
        List<String> l = new ArrayList<>();
        for (int i = from; i < to; i++) {
            l.add(i + ":" + new String(rec(i), StandardCharsets.UTF_8));
        }
        return l;
    }

    private static long segmentFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".seg")).count();
        }
    }

    @Test
    void readsBackInOrderAcrossSegmentsAndResumesAfterTheAcknowledgedRecord(@TempDir Path dir) throws IOException {
        try (Spool s = Spool.open(dir, 1 << 20, 4096)) {
            for (int i = 0; i < 1000; i++) {
                assertEquals(Spool.Result.OK, s.append(rec(i), false));
            }
            assertEquals(1000, s.depth());
            assertEquals(expected(0, 1000), readAll(s));
            assertTrue(segmentFiles(dir) > 5, "rolled over several segments");
            s.ack(600);
            assertEquals(400, s.depth());
        }
        try (Spool s = Spool.open(dir, 1 << 20, 4096)) {
            assertEquals(400, s.depth());
            assertEquals(expected(600, 1000), readAll(s));
            assertEquals(1000, s.nextIndex());
            assertEquals(Spool.Result.OK, s.append(rec(1000), false));
            assertEquals(expected(1000, 1001), readAll(s));
        }
    }

    @Test
    void unacknowledgedRecordsAreReadAgainAfterReopen(@TempDir Path dir) throws IOException {
        try (Spool s = Spool.open(dir, 1 << 20)) {
            for (int i = 0; i < 100; i++) {
                s.append(rec(i), false);
            }
            assertEquals(expected(0, 100), readAll(s));
            s.ack(30);
        }
        try (Spool s = Spool.open(dir, 1 << 20)) {
            assertEquals(expected(30, 100), readAll(s));
        }
    }

    @Test
    void seekRereadsFromAnIndex(@TempDir Path dir) throws IOException {
        try (Spool s = Spool.open(dir, 1 << 20, 4096)) {
            for (int i = 0; i < 300; i++) {
                s.append(rec(i), false);
            }
            assertEquals(expected(0, 300), readAll(s));
            s.ack(100);
            s.seek(150);
            assertEquals(expected(150, 300), readAll(s));
        }
    }

    @Test
    void tornTailFromACrashIsCutOff(@TempDir Path dir) throws IOException {
        try (Spool s = Spool.open(dir, 1 << 20)) {
            for (int i = 0; i < 10; i++) {
                s.append(rec(i), false);
            }
        }
        Path seg;
        try (Stream<Path> files = Files.list(dir)) {
            seg = files.filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
        }
        long size = Files.size(seg);
        // half a frame: a length and crc, then too few bytes
        Files.write(seg, new byte[] {0, 0, 0, 100, 1, 2, 3, 4, 'a', 'b'}, StandardOpenOption.APPEND);
        try (Spool s = Spool.open(dir, 1 << 20)) {
            assertEquals(size, Files.size(seg));
            assertEquals(expected(0, 10), readAll(s));
            s.append(rec(10), false);
            assertEquals(expected(10, 11), readAll(s));
        }
    }

    @Test
    void boundRefusesRecordsButLeavesAReserveForControlRecords(@TempDir Path dir) throws IOException {
        long max = 256 * 1024;
        try (Spool s = Spool.open(dir, max)) {
            int ok = 0;
            int full = 0;
            for (int i = 0; i < 10_000; i++) {
                Spool.Result r = s.append(rec(i), false);
                if (r == Spool.Result.OK) {
                    ok++;
                } else {
                    assertEquals(Spool.Result.FULL, r);
                    full++;
                }
            }
            assertTrue(full > 0 && ok > 0);
            assertEquals(ok, s.depth());
            assertTrue(s.bytes() <= max);
            assertEquals(Spool.Result.OK, s.append(rec(99_999), true));
            // delivering everything frees the space again
            assertEquals(ok + 1, readAll(s).size());
            s.ack(s.nextIndex());
            assertTrue(s.bytes() < max / 2, "delivered segments deleted, " + s.bytes() + " bytes left");
            assertEquals(Spool.Result.OK, s.append(rec(0), false));
        }
    }

    @Test
    void oneSpoolPerDirectory(@TempDir Path dir) throws IOException {
        try (Spool s = Spool.open(dir, 1 << 20)) {
            assertThrows(Spool.SpoolLockedException.class, () -> Spool.open(dir, 1 << 20));
        }
        try (Spool s = Spool.open(dir, 1 << 20)) {
            assertNull(s.next());
        }
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().toList();
        }
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, position);
            b.flip();
            byte v = b.get(0);
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (v ^ 0x5a)}), position);
        }
    }

    @Test
    void damageInsideASegmentIsCountedAtOpenAndTheRestIsRead(@TempDir Path dir) throws IOException {
        try (Spool s = Spool.open(dir, 1 << 20, 4096)) {
            for (int i = 0; i < 300; i++) {
                s.append(rec(i), false);
            }
        }
        List<Path> segs = segments(dir);
        assertTrue(segs.size() >= 3);
        long base1 = Long.parseLong(segs.get(1).getFileName().toString().replace(".seg", ""));
        long base2 = Long.parseLong(segs.get(2).getFileName().toString().replace(".seg", ""));
        // damage the payload of the second segment's first frame: that frame and the rest of the segment are lost
        flipByte(segs.get(1), 8 + 2);
        try (Spool s = Spool.open(dir, 1 << 20, 4096)) {
            assertEquals(base2 - base1, s.damagedAtOpen());
            List<String> expected = expected(0, (int) base1);
            expected.addAll(expected((int) base2, 300));
            assertEquals(expected, readAll(s));
        }
    }

    @Test
    void damageFoundWhileReadingIsSkippedAndCounted(@TempDir Path dir) throws IOException {
        try (Spool s = Spool.open(dir, 1 << 20, 4096)) {
            for (int i = 0; i < 300; i++) {
                s.append(rec(i), false);
            }
            s.flush();
            List<Path> segs = segments(dir);
            long base1 = Long.parseLong(segs.get(1).getFileName().toString().replace(".seg", ""));
            long base2 = Long.parseLong(segs.get(2).getFileName().toString().replace(".seg", ""));
            flipByte(segs.get(1), 8 + 2);
            List<String> got = new ArrayList<>();
            for (int i = 0; i < base1; i++) {
                Spool.Entry e = s.next();
                got.add(e.index() + ":" + new String(e.payload(), StandardCharsets.UTF_8));
            }
            assertEquals(expected(0, (int) base1), got);
            assertThrows(Spool.CorruptSpoolException.class, s::next);
            assertEquals(base2 - base1, s.skipDamaged());
            assertEquals(expected((int) base2, 300), readAll(s));
        }
    }
}

package io.akmon.agent.spool;

import io.akmon.agent.security.PrivateDirectory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A bounded, append-only, on-disk queue of opaque records that survives restarts.
 *
 * <p>Records are numbered by a 64-bit index that increases by one per record and is never reused.
 * They live in segment files {@code <first index>.seg} as frames {@code [int length][int crc32c][payload]}.
 * One writer side ({@link #append}, any thread, serialized internally) and one reader
 * ({@link #next}, {@link #seek}, {@link #ack}: a single thread). Records stay on disk until
 * acknowledged; the acknowledged position is kept in {@code ack} so a restart resumes from there
 * (records read but not acknowledged before a restart are read again).
 *
 * <p>The writer buffers in memory and writes in large chunks; {@link #flush()} pushes the buffer
 * to the file (the page cache). If a write fails (disk full), the buffered bytes are kept and
 * written later; records that do not fit meanwhile are refused with {@link Result#IO_ERROR}.
 * A frame torn by a crash is cut off when the spool is opened again.
 */
public final class Spool implements Closeable {
    public enum Result { OK, FULL, IO_ERROR }

    /** A record read back: its index and payload. */
    public record Entry(long index, byte[] payload) {
    }

    private static final Pattern SEGMENT = Pattern.compile("(\\d{20})\\.seg");
    private static final int HEADER = 8;
    private static final long ROLL_DELIVERED_BYTES = 64 * 1024;
    /** Largest payload accepted; a larger length field means a torn or foreign frame. */
    public static final int MAX_PAYLOAD = 16 << 20;

    private final Path dir;
    private final long maxBytes;
    private final long reserveBytes;
    private final long segmentBytes;
    private final FileChannel lockChannel;
    private final FileLock lock;

    // writer state, guarded by this
    private final List<Segment> segments = new ArrayList<>();
    private final ByteBuffer writeBuffer;
    private long nextIndex;
    private long diskBytes;          // bytes in segment files, written or buffered
    private long bufferedRecords;    // records in writeBuffer, all belonging to the last segment
    private IOException lastWriteError;
    private long damagedAtOpen;

    // reader state, reader thread only
    private Segment readSegment;
    private long readPosition;
    private long readIndex;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(1 << 18);
    private long readBufferStart = -1;   // file position of readBuffer[0] in readSegment, -1 when empty
    private volatile long ackIndex;
    private long ackPersisted = -1;
    private final CRC32C readCrc = new CRC32C();
    private final CRC32C writeCrc = new CRC32C();

    private static final class Segment {
        final long base;
        final Path path;
        FileChannel channel;
        volatile long written;   // bytes in the file
        long size;               // bytes in the file plus this segment's share of the write buffer
        long count;              // records in the segment, written or buffered

        Segment(long base, Path path) {
            this.base = base;
            this.path = path;
        }
    }

    private Spool(Path dir, long maxBytes, long segmentBytes, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.reserveBytes = Math.max(64 * 1024, maxBytes / 32);
        this.segmentBytes = segmentBytes;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.writeBuffer = ByteBuffer.allocate((int) Math.min(1 << 18, Math.max(4096, segmentBytes / 4)));
    }

    /**
     * Opens (creating if needed) the spool in {@code dir}, taking an exclusive lock on it.
     *
     * @param maxBytes bound on the bytes the spool keeps on disk; records beyond it are refused
     *                 (control records may use a small reserve above it)
     */
    public static Spool open(Path dir, long maxBytes) throws IOException {
        long segmentBytes = Math.max(64 * 1024, Math.min(64L << 20, maxBytes / 16));
        return open(dir, maxBytes, segmentBytes);
    }

    public static Spool open(Path dir, long maxBytes, long segmentBytes) throws IOException {
        PrivateDirectory.prepare(dir, "spool directory", "--spool-dir"); // records in it are what the host saw
        FileChannel lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new SpoolLockedException(dir);
        }
        Spool spool = new Spool(dir, maxBytes, segmentBytes, lockChannel, lock);
        try {
            spool.recover();
        } catch (IOException | RuntimeException e) {
            spool.close();
            throw e;
        }
        return spool;
    }

    /** A frame that fails its checksum while the spool is read: see {@link #skipDamaged()}. */
    public static final class CorruptSpoolException extends IOException {
        CorruptSpoolException(Path segment, long position) {
            super("corrupt spool segment " + segment + " at byte " + position);
        }
    }

    /**
     * After a {@link CorruptSpoolException}: skips the rest of the damaged segment (or, in the
     * segment being written, everything written so far) and returns how many records that skips.
     */
    public long skipDamaged() {
        long end;
        synchronized (this) {
            Segment s = readSegment;
            boolean last = segments.get(segments.size() - 1) == s;
            end = s.base + s.count - (last ? bufferedRecords : 0);
            readPosition = s.written;
        }
        long skipped = Math.max(0, end - readIndex);
        readIndex = end;
        readBufferStart = -1;
        return skipped;
    }

    /** Another process (or another sink in this one) holds the spool directory. */
    public static final class SpoolLockedException extends IOException {
        public SpoolLockedException(Path dir) {
            super("spool directory " + dir + " is in use by another akmon agent");
        }
    }

    private void recover() throws IOException {
        List<Long> bases = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher m = SEGMENT.matcher(p.getFileName().toString());
                if (m.matches()) {
                    bases.add(Long.parseLong(m.group(1)));
                }
            }
        }
        bases.sort(null);
        long ack = readAck();
        for (int i = 0; i < bases.size(); i++) {
            Segment s = new Segment(bases.get(i), segmentPath(bases.get(i)));
            s.channel = FileChannel.open(s.path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            long valid = scanValid(s);
            if (valid < s.channel.size()) {
                s.channel.truncate(valid); // a frame torn by a crash
            }
            s.written = valid;
            s.size = valid;
            if (i + 1 < bases.size() && s.base + s.count > bases.get(i + 1)) {
                throw new IOException("spool segments overlap in " + dir + ": " + s.path.getFileName()
                        + " holds records past " + bases.get(i + 1));
            }
            segments.add(s);
            diskBytes += valid;
        }
        for (int i = 0; i + 1 < segments.size(); i++) {
            Segment s = segments.get(i);
            damagedAtOpen += Math.max(0, segments.get(i + 1).base - Math.max(ack, s.base + s.count));
        }
        // drop segments that are fully acknowledged (a restart may come between ack and delete)
        while (segments.size() > 1 && segments.get(1).base <= ack) {
            Segment s = segments.remove(0);
            diskBytes -= s.size;
            s.channel.close();
            Files.deleteIfExists(s.path);
        }
        if (segments.isEmpty()) {
            nextIndex = ack;
        } else {
            Segment last = segments.get(segments.size() - 1);
            nextIndex = Math.max(ack, last.base + last.count);
            if (last.count == 0 && last.base != nextIndex) {
                segments.remove(last);
                last.channel.close();
                Files.deleteIfExists(last.path);
            }
        }
        if (segments.isEmpty() || nextIndex > segments.get(segments.size() - 1).base + segments.get(segments.size() - 1).count) {
            roll();
        }
        long first = segments.get(0).base;
        ackIndex = Math.max(ack, first);
        ackPersisted = ack;
        seek(ackIndex);
    }

    /** Counts the valid frames of a segment; returns the byte length they span. */
    private long scanValid(Segment s) throws IOException {
        long pos = 0;
        long size = s.channel.size();
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        CRC32C crc = new CRC32C();
        ByteBuffer payload = ByteBuffer.allocate(4096);
        while (pos + HEADER <= size) {
            header.clear();
            readFully(s.channel, header, pos);
            header.flip();
            int len = header.getInt();
            int sum = header.getInt();
            if (len < 0 || len > MAX_PAYLOAD || pos + HEADER + len > size) {
                break;
            }
            if (payload.capacity() < len) {
                payload = ByteBuffer.allocate(len);
            }
            payload.clear().limit(len);
            readFully(s.channel, payload, pos + HEADER);
            payload.flip();
            crc.reset();
            crc.update(payload);
            if ((int) crc.getValue() != sum) {
                break;
            }
            pos += HEADER + len;
            s.count++;
        }
        return pos;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of spool segment");
            }
            pos += n;
        }
    }

    private Path segmentPath(long base) {
        return dir.resolve(String.format("%020d.seg", base));
    }

    private void roll() throws IOException {
        Segment s = new Segment(nextIndex, segmentPath(nextIndex));
        s.channel = FileChannel.open(s.path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        s.channel.truncate(0);
        segments.add(s);
    }

    // ----------------------------------------------------------------------------- writer side

    /**
     * Appends one record. {@code control} records (loss and health reports) may use a reserve
     * above the bound. Never blocks on anything but the local file system.
     */
    public synchronized Result append(byte[] payload, boolean control) {
        if (segments.isEmpty()) {
            throw new IllegalStateException("spool " + dir + " is closed");
        }
        int frame = HEADER + payload.length;
        if (payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("record of " + payload.length + " bytes exceeds the spool's limit");
        }
        long limit = control ? maxBytes + reserveBytes : maxBytes;
        if (diskBytes + frame > limit) {
            return Result.FULL;
        }
        Segment last = segments.get(segments.size() - 1);
        if (last.size >= segmentBytes && last.count > 0) {
            if (!tryFlush()) {
                return Result.IO_ERROR;
            }
            try {
                roll();
            } catch (IOException e) {
                lastWriteError = e;
                return Result.IO_ERROR;
            }
            last = segments.get(segments.size() - 1);
        }
        if (writeBuffer.remaining() < frame) {
            if (!tryFlush()) {
                return Result.IO_ERROR;
            }
        }
        writeCrc.reset();
        writeCrc.update(payload);
        if (writeBuffer.remaining() >= frame) {
            writeBuffer.putInt(payload.length).putInt((int) writeCrc.getValue()).put(payload);
            bufferedRecords++;
        } else {
            // larger than the buffer: write directly
            ByteBuffer direct = ByteBuffer.allocate(frame);
            direct.putInt(payload.length).putInt((int) writeCrc.getValue()).put(payload).flip();
            try {
                long pos = last.written;
                while (direct.hasRemaining()) {
                    pos += last.channel.write(direct, pos);
                }
                last.written = pos;
                lastWriteError = null;
            } catch (IOException e) {
                lastWriteError = e;
                try {
                    last.channel.truncate(last.written);
                } catch (IOException ignored) {
                    // the torn frame is cut off at the next open
                }
                return Result.IO_ERROR;
            }
        }
        last.size += frame;
        last.count++;
        diskBytes += frame;
        nextIndex++;
        return Result.OK;
    }

    /** Writes buffered records to the file; returns false (keeping them buffered) if that fails. */
    public synchronized boolean tryFlush() {
        if (writeBuffer.position() == 0 || segments.isEmpty()) {
            return true;
        }
        Segment last = segments.get(segments.size() - 1);
        writeBuffer.flip();
        long start = last.written;
        try {
            long pos = start;
            while (writeBuffer.hasRemaining()) {
                pos += last.channel.write(writeBuffer, pos);
            }
            last.written = pos; // the reader sees whole flushes only
            writeBuffer.clear();
            bufferedRecords = 0;
            lastWriteError = null;
            return true;
        } catch (IOException e) {
            lastWriteError = e;
            writeBuffer.position(writeBuffer.limit()).limit(writeBuffer.capacity());
            try {
                last.channel.truncate(start); // all or nothing: the same bytes are written again later
            } catch (IOException ignored) {
                // a torn tail is cut off at the next open
            }
            return false;
        }
    }

    /** As {@link #tryFlush()}, throwing the write error. */
    public synchronized void flush() throws IOException {
        if (!tryFlush()) {
            throw lastWriteError;
        }
    }

    /** The last write failure, or null once writes succeed again. */
    public synchronized IOException lastWriteError() {
        return lastWriteError;
    }

    /** Forces written records to the storage device. */
    public synchronized void sync() throws IOException {
        flush();
        segments.get(segments.size() - 1).channel.force(false);
    }

    /**
     * Forces what has been written to the storage device, without holding up writers or the reader.
     * Any thread: a segment the reader closes meanwhile (delivered, deleted) needs no forcing and is skipped.
     */
    public void force() throws IOException {
        List<FileChannel> channels = new ArrayList<>();
        synchronized (this) {
            for (Segment s : segments) {
                channels.add(s.channel);
            }
        }
        for (FileChannel ch : channels) {
            if (ch.isOpen()) {
                try {
                    ch.force(false);
                } catch (java.nio.channels.ClosedChannelException closedMeanwhile) {
                    // delivered and closed by the reader while forcing: nothing left to keep
                }
            }
        }
    }

    /** Records lost to damage found when the spool was opened (frames failing their checksum before a segment's end). */
    public long damagedAtOpen() {
        return damagedAtOpen;
    }

    /** Index the next appended record gets. */
    public synchronized long nextIndex() {
        return nextIndex;
    }

    /** Bytes on disk (or buffered for it), including acknowledged records not yet deleted. */
    public synchronized long bytes() {
        return diskBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public Path dir() {
        return dir;
    }

    /** Records appended but not yet acknowledged. */
    public synchronized long depth() {
        return nextIndex - ackIndex;
    }

    // ----------------------------------------------------------------------------- reader side

    /** Positions the reader at the record with this index (or the first one after it that exists). */
    public void seek(long index) throws IOException {
        Segment target;
        synchronized (this) {
            target = segments.get(0);
            for (Segment s : segments) {
                if (s.base <= index) {
                    target = s;
                }
            }
        }
        readSegment = target;
        readPosition = 0;
        readIndex = target.base;
        readBufferStart = -1;
        while (readIndex < index) {
            if (nextFrame(false) == null) {
                break;
            }
        }
    }

    /** The next record after the reader's position, or null if everything written has been read. */
    public Entry next() throws IOException {
        return nextFrame(true);
    }

    private Entry nextFrame(boolean wantPayload) throws IOException {
        while (true) {
            long available = readSegment.written;
            if (readPosition + HEADER <= available) {
                ByteBuffer header = window(readPosition, HEADER, available);
                int len = header.getInt();
                int sum = header.getInt();
                if (len < 0 || len > MAX_PAYLOAD) {
                    throw new CorruptSpoolException(readSegment.path, readPosition);
                }
                if (readPosition + HEADER + len > available) {
                    return null; // rest of the frame still buffered by the writer
                }
                byte[] payload = null;
                if (wantPayload) {
                    payload = new byte[len];
                    ByteBuffer body = window(readPosition + HEADER, len, available);
                    body.get(payload);
                    readCrc.reset();
                    readCrc.update(payload);
                    if ((int) readCrc.getValue() != sum) {
                        throw new CorruptSpoolException(readSegment.path, readPosition);
                    }
                }
                long index = readIndex;
                readPosition += HEADER + len;
                readIndex++;
                return new Entry(index, payload);
            }
            Segment following = null;
            synchronized (this) {
                int i = segments.indexOf(readSegment);
                if (i >= 0 && i + 1 < segments.size() && readPosition >= readSegment.written) {
                    following = segments.get(i + 1);
                }
            }
            if (following == null) {
                return null;
            }
            readSegment = following;
            readPosition = 0;
            readIndex = following.base;
            readBufferStart = -1;
        }
    }

    /** A view of {@code len} bytes at {@code pos} of the read segment, reading ahead through the buffer. */
    private ByteBuffer window(long pos, int len, long available) throws IOException {
        if (len > readBuffer.capacity()) {
            ByteBuffer big = ByteBuffer.allocate(len);
            readFully(readSegment.channel, big, pos);
            big.flip();
            return big;
        }
        if (readBufferStart < 0 || pos < readBufferStart || pos + len > readBufferStart + readBuffer.limit()) {
            readBuffer.clear();
            int want = (int) Math.min(readBuffer.capacity(), available - pos);
            readBuffer.limit(want);
            readFully(readSegment.channel, readBuffer, pos);
            readBuffer.flip();
            readBufferStart = pos;
        }
        ByteBuffer view = readBuffer.duplicate();
        view.position((int) (pos - readBufferStart)).limit((int) (pos - readBufferStart) + len);
        return view.slice();
    }

    /** Index of the record {@link #next()} returns next. */
    public long readIndex() {
        return readIndex;
    }

    /** First record not yet acknowledged. */
    public long ackIndex() {
        return ackIndex;
    }

    /**
     * Marks every record below {@code index} delivered: segments holding only such records are
     * deleted. The position is persisted by {@link #persistAck()}.
     */
    public void ack(long index) throws IOException {
        if (index <= ackIndex) {
            return;
        }
        List<Segment> doomed = new ArrayList<>();
        synchronized (this) {
            ackIndex = index;
            rollDelivered();
            while (segments.size() > 1 && segments.get(1).base <= index && segments.get(0) != readSegment) {
                Segment s = segments.remove(0);
                diskBytes -= s.size;
                doomed.add(s);
            }
        }
        for (Segment s : doomed) {
            s.channel.close();
            Files.deleteIfExists(s.path);
        }
    }

    /**
     * Once every record in the last segment's file is delivered, continues in a new file so the
     * old one can be deleted: keeps a caught-up spool small, and frees a full disk.
     */
    private void rollDelivered() {
        Segment last = segments.get(segments.size() - 1);
        long fileRecords = last.count - bufferedRecords;
        if (fileRecords == 0 || ackIndex < last.base + fileRecords || readSegment != last || readPosition != last.written
                || (last.written < ROLL_DELIVERED_BYTES && lastWriteError == null)) {
            return;
        }
        Segment next = new Segment(last.base + fileRecords, segmentPath(last.base + fileRecords));
        try {
            next.channel = FileChannel.open(next.path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            next.channel.truncate(0);
        } catch (IOException e) {
            return; // keep using the old file
        }
        next.count = bufferedRecords;
        next.size = writeBuffer.position();
        last.count = fileRecords;
        last.size = last.written;
        segments.add(next);
        readSegment = next;
        readPosition = 0;
        readIndex = next.base;
        readBufferStart = -1;
    }

    /** Writes the acknowledged position to disk if it moved. */
    public void persistAck() throws IOException {
        long a = ackIndex;
        if (a == ackPersisted) {
            return;
        }
        Path tmp = dir.resolve("ack.tmp");
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putLong(a).putLong(~a).flip();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        try {
            Files.move(tmp, dir.resolve("ack"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve("ack"), StandardCopyOption.REPLACE_EXISTING);
        }
        ackPersisted = a;
    }

    private long readAck() throws IOException {
        Path p = dir.resolve("ack");
        if (!Files.exists(p)) {
            return 0;
        }
        byte[] b = Files.readAllBytes(p);
        if (b.length != 16) {
            return 0;
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        long a = bb.getLong();
        return bb.getLong() == ~a ? a : 0;
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        synchronized (this) {
            if (!segments.isEmpty() && !tryFlush()) {
                failure = lastWriteError;
            }
            try {
                if (!segments.isEmpty()) {
                    persistAck();
                }
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
            for (Segment s : segments) {
                try {
                    if (s.channel != null) {
                        s.channel.close();
                    }
                } catch (IOException e) {
                    failure = failure == null ? e : failure;
                }
            }
            segments.clear();
        }
        try {
            lock.release();
        } finally {
            lockChannel.close();
        }
        if (failure != null) {
            throw failure;
        }
    }
}

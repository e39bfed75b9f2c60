package io.akmon.agent.decode;

import io.akmon.agent.event.Event;
import io.akmon.agent.host.HostIdentity;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one kernel record (see bpf-src/akmon.h) into an {@link Event}. Pure: no state but the host
 * identity. A record too short for its type, or of an unknown type, is reported, not guessed at.
 */
public final class RecordDecoder {
    private final HostIdentity identity;

    public RecordDecoder(HostIdentity identity) {
        this.identity = identity;
    }

    /** Thrown for a record that does not match the layout; the agent counts it as lost. */
    public static final class BadRecordException extends RuntimeException {
        public BadRecordException(String message) {
            super(message);
        }
    }

    public Event decode(ByteBuffer b) {
        if (b.remaining() < Layout.Hdr.SIZE) {
            throw new BadRecordException("record of " + b.remaining() + " bytes is shorter than its header");
        }
        int type = b.getShort(Layout.Hdr.TYPE) & 0xffff;
        int size = b.getShort(Layout.Hdr.SIZE_FIELD) & 0xffff;
        int expected = switch (type) {
            case Layout.REC_FORK -> Layout.Fork.SIZE;
            case Layout.REC_EXEC -> Layout.Exec.SIZE;
            case Layout.REC_EXIT -> Layout.Exit.SIZE;
            case Layout.REC_OOM -> Layout.Oom.SIZE;
            case Layout.REC_NET -> Layout.Net.SIZE;
            case Layout.REC_FILE -> Layout.File.SIZE;
            default -> throw new BadRecordException("unknown record type " + type);
        };
        if (size != expected || b.remaining() < expected) {
            throw new BadRecordException("record type " + type + " has size " + size + " (buffer " + b.remaining()
                    + "), layout says " + expected + ": agent and BPF object are from different builds");
        }
        return switch (type) {
            case Layout.REC_FORK -> fork(b);
            case Layout.REC_EXEC -> exec(b);
            case Layout.REC_EXIT -> exit(b);
            case Layout.REC_OOM -> oom(b);
            case Layout.REC_FILE -> file(b);
            default -> net(b);
        };
    }

    private Event header(ByteBuffer b, EventType type, int pid, String comm) {
        return new Event(type, identity.host(), identity.bootId(), b.getInt(Layout.Hdr.CPU), b.getLong(Layout.Hdr.SEQ),
                identity.toEpochNs(b.getLong(Layout.Hdr.TS)), pid, comm);
    }

    private Event fork(ByteBuffer b) {
        return header(b, EventType.FORK, b.getInt(Layout.Fork.PID), cString(b, Layout.Fork.COMM, Layout.COMM_LEN))
                .put(Fields.PPID, b.getInt(Layout.Fork.PPID));
    }

    private Event exec(ByteBuffer b) {
        int filenameLen = Math.min(b.getShort(Layout.Exec.FILENAME_LEN_FIELD) & 0xffff, Layout.FILENAME_LEN);
        int argvLen = Math.min(b.getShort(Layout.Exec.ARGV_LEN_FIELD) & 0xffff, Layout.ARGV_LEN);
        return header(b, EventType.EXEC, b.getInt(Layout.Exec.PID), cString(b, Layout.Exec.COMM, Layout.COMM_LEN))
                .put(Fields.PPID, b.getInt(Layout.Exec.PPID))
                .put(Fields.UID, b.getInt(Layout.Exec.UID))
                .put(Fields.FILENAME, string(b, Layout.Exec.FILENAME, filenameLen))
                .put(Fields.ARGV, argv(b, Layout.Exec.ARGV, argvLen))
                .put(Fields.ARGV_TRUNCATED, b.get(Layout.Exec.ARGV_TRUNCATED) != 0);
    }

    private Event exit(ByteBuffer b) {
        int status = b.getInt(Layout.Exit.EXIT_CODE);
        return header(b, EventType.EXIT, b.getInt(Layout.Exit.PID), cString(b, Layout.Exit.COMM, Layout.COMM_LEN))
                .put(Fields.PPID, b.getInt(Layout.Exit.PPID))
                .put(Fields.EXIT_CODE, (status >> 8) & 0xff)
                .put(Fields.SIGNAL, status & 0x7f)
                .put(Fields.CORE_DUMPED, (status & 0x80) != 0)
                .put(Fields.LIFETIME_NS, b.getLong(Layout.Exit.LIFETIME_NS));
    }

    private Event oom(ByteBuffer b) {
        return header(b, EventType.MEMORY, b.getInt(Layout.Oom.PID), cString(b, Layout.Oom.COMM, Layout.COMM_LEN))
                .put(Fields.EVENT, "oom_kill")
                .put(Fields.UID, b.getInt(Layout.Oom.UID))
                .put(Fields.RSS_BYTES, b.getLong(Layout.Oom.RSS_BYTES));
    }

    private Event net(ByteBuffer b) {
        int ev = b.get(Layout.Net.EVENT);
        String event = switch (ev) {
            case Layout.NET_CONNECT -> "connect";
            case Layout.NET_ACCEPT -> "accept";
            case Layout.NET_CLOSE -> "close";
            default -> throw new BadRecordException("unknown net event " + ev);
        };
        Endpoints ep = endpoints(b, Layout.Net.FAMILY, Layout.Net.SADDR, Layout.Net.DADDR);
        Event e = header(b, EventType.NET, b.getInt(Layout.Net.PID), cString(b, Layout.Net.COMM, Layout.COMM_LEN))
                .put(Fields.EVENT, event)
                .put(Fields.CONN, Long.toHexString(b.getLong(Layout.Net.CONN)))
                .put(Fields.FAMILY, ep.family)
                .put(Fields.SADDR, ep.saddr)
                .put(Fields.SPORT, b.getShort(Layout.Net.SPORT) & 0xffff)
                .put(Fields.DADDR, ep.daddr)
                .put(Fields.DPORT, b.getShort(Layout.Net.DPORT) & 0xffff);
        if (ev == Layout.NET_CLOSE) { // totals; ConnectionTracker turns them into the last delta
            e.put(Fields.BYTES_SENT, b.getLong(Layout.Net.BYTES_SENT))
                    .put(Fields.BYTES_RECEIVED, b.getLong(Layout.Net.BYTES_RECEIVED))
                    .put(Fields.RETRANSMITS, (long) b.getInt(Layout.Net.RETRANSMITS));
        }
        return e;
    }

    private static final class Syscalls { // loaded at the first file record
        static final SyscallNames NAMES = new SyscallNames();
    }

    private Event file(ByteBuffer b) {
        int op = b.getShort(Layout.File.OP) & 0xffff;
        if (op <= 0 || op >= Layout.FILE_OPS.length) {
            throw new BadRecordException("unknown file op " + op);
        }
        int flags = b.getShort(Layout.File.FLAGS) & 0xffff;
        int ret = b.getInt(Layout.File.RET);
        int errno = ret < 0 && ret >= -4095 ? -ret : 0;
        Event e = header(b, EventType.FILE, b.getInt(Layout.File.PID), cString(b, Layout.File.COMM, Layout.COMM_LEN))
                .put(Fields.OP, Layout.FILE_OPS[op])
                .put(Fields.TID, b.getInt(Layout.File.TID))
                .put(Fields.UID, b.getInt(Layout.File.UID) & 0xffffffffL)
                .put(Fields.PATH, path(b, Layout.File.PATH, Layout.File.PATH_LEN_FIELD))
                .put(Fields.PATH_RELATIVE, (flags & Layout.FILE_PATH_RELATIVE) != 0)
                .put(Fields.ERRNO, errno)
                .put(Fields.RESULT, Errno.name(errno))
                .put(Fields.SYSCALL, Syscalls.NAMES.name(b.getShort(Layout.File.NR) & 0xffff))
                .put(Fields.MODE, b.getInt(Layout.File.MODE) & 0xffffffffL);
        if ((flags & Layout.FILE_PATH_TRUNCATED) != 0) {
            e.put(Fields.PATH_TRUNCATED, true);
        }
        if (op == 4) { // rename
            e.put(Fields.NEW_PATH, path(b, Layout.File.PATH2, Layout.File.PATH2_LEN_FIELD))
                    .put(Fields.NEW_PATH_RELATIVE, (flags & Layout.FILE_PATH2_RELATIVE) != 0);
            if ((flags & Layout.FILE_PATH2_TRUNCATED) != 0) {
                e.put(Fields.PATH_TRUNCATED, true);
            }
        }
        return e;
    }

    /** A path field: its length field bounds it, and so does the first NUL. */
    private static String path(ByteBuffer b, int off, int lenOff) {
        int len = Math.min(b.getShort(lenOff) & 0xffff, Layout.PATH_LEN - 1);
        int n = 0;
        while (n < len && b.get(off + n) != 0) {
            n++;
        }
        return string(b, off, n);
    }

    /** Family and printable addresses; IPv4-mapped IPv6 addresses print as IPv4. */
    public record Endpoints(int family, String saddr, String daddr) {
    }

    public static Endpoints endpoints(ByteBuffer b, int familyOff, int saddrOff, int daddrOff) {
        int family = b.get(familyOff);
        byte[] s = new byte[Layout.ADDR_LEN];
        byte[] d = new byte[Layout.ADDR_LEN];
        b.get(saddrOff, s);
        b.get(daddrOff, d);
        if (family == 6 && isV4Mapped(s) && isV4Mapped(d)) {
            return new Endpoints(4, ip(s, 12, 4), ip(d, 12, 4));
        }
        return family == 4 ? new Endpoints(4, ip(s, 0, 4), ip(d, 0, 4)) : new Endpoints(6, ip(s, 0, 16), ip(d, 0, 16));
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
    }

    private static String ip(byte[] a, int off, int len) {
        byte[] raw = new byte[len];
        System.arraycopy(a, off, raw, 0, len);
        try {
            return InetAddress.getByAddress(raw).getHostAddress();
        } catch (UnknownHostException e) {
            throw new BadRecordException("bad address length " + len);
        }
    }

    /** A NUL-terminated string in a fixed-size field. */
    public static String cString(ByteBuffer b, int off, int max) {
        int n = 0;
        while (n < max && b.get(off + n) != 0) {
            n++;
        }
        return string(b, off, n);
    }

    private static String string(ByteBuffer b, int off, int len) {
        byte[] raw = new byte[len];
        b.get(off, raw);
        return new String(raw, StandardCharsets.UTF_8);
    }

    private static List<String> argv(ByteBuffer b, int off, int len) {
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (b.get(off + i) == 0) {
                args.add(string(b, off + start, i - start));
                start = i + 1;
            }
        }
        if (start < len) { // cut off by the bound: keep the partial argument
            args.add(string(b, off + start, len - start));
        }
        return args;
    }
}

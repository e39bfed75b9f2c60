package io.akmon.bench;

import io.akmon.agent.decode.Layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Kernel ring-buffer records, byte for byte as bpf-src/akmon.h lays them out (through the decoder's
 * own {@link Layout}, which LayoutBtfTest checks against the compiled object's BTF). The mix is one
 * process's life as a fork storm makes it: fork, exec, exit, in that order, then the next process;
 * every record is numbered in its CPU's sequence, as the kernel numbers them.
 */
final class RawRecords {
    /** Records per process life: fork, exec, exit. */
    static final int PER_PROCESS = 3;

    private final byte[] fork = template(Layout.REC_FORK, Layout.Fork.SIZE);
    private final byte[] exec = template(Layout.REC_EXEC, Layout.Exec.SIZE);
    private final byte[] exit = template(Layout.REC_EXIT, Layout.Exit.SIZE);
    private final int cpus;
    private final long[] seq;
    private long n;

    RawRecords(int cpus) {
        this.cpus = cpus;
        this.seq = new long[cpus];
        ByteBuffer f = le(fork);
        f.putInt(Layout.Fork.PPID, 4242);
        comm(fork, Layout.Fork.COMM, "workload");
        ByteBuffer e = le(exec);
        e.putInt(Layout.Exec.PPID, 4242);
        e.putInt(Layout.Exec.UID, 0);
        byte[] filename = "/usr/bin/true".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(filename, 0, exec, Layout.Exec.FILENAME, filename.length);
        e.putShort(Layout.Exec.FILENAME_LEN_FIELD, (short) filename.length);
        byte[] argv = "true\0--version\0".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(argv, 0, exec, Layout.Exec.ARGV, argv.length);
        e.putShort(Layout.Exec.ARGV_LEN_FIELD, (short) argv.length);
        comm(exec, Layout.Exec.COMM, "true");
        ByteBuffer x = le(exit);
        x.putInt(Layout.Exit.PPID, 4242);
        x.putInt(Layout.Exit.EXIT_CODE, 0);
        x.putLong(Layout.Exit.LIFETIME_NS, 1_250_000L);
        comm(exit, Layout.Exit.COMM, "true");
    }

    private static byte[] template(int type, int size) {
        byte[] b = new byte[size];
        ByteBuffer h = le(b);
        h.putShort(Layout.Hdr.TYPE, (short) type);
        h.putShort(Layout.Hdr.SIZE_FIELD, (short) size);
        return b;
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void comm(byte[] rec, int off, String comm) {
        byte[] c = comm.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(c, 0, rec, off, Math.min(c.length, Layout.COMM_LEN - 1));
    }

    /**
     * The next record, a fresh copy as the ring reader hands it over (it copies each record out of
     * the ring), positioned at 0, little-endian.
     */
    ByteBuffer next(long boottimeNs) {
        int kind = (int) (n % PER_PROCESS);
        int pid = 100_000 + (int) ((n / PER_PROCESS) % 4_000_000);
        int cpu = (int) ((n / PER_PROCESS) % cpus);
        n++;
        byte[] rec = Arrays.copyOf(kind == 0 ? fork : kind == 1 ? exec : exit, kind == 0 ? fork.length : kind == 1 ? exec.length : exit.length);
        ByteBuffer b = le(rec);
        b.putInt(Layout.Hdr.CPU, cpu);
        b.putLong(Layout.Hdr.TS, boottimeNs);
        b.putLong(Layout.Hdr.SEQ, ++seq[cpu]);
        b.putInt(kind == 0 ? Layout.Fork.PID : kind == 1 ? Layout.Exec.PID : Layout.Exit.PID, pid);
        return b;
    }

    /** Records made so far. */
    long count() {
        return n;
    }

    /** The last sequence number handed out on each CPU. */
    long[] sequences() {
        return seq.clone();
    }
}

package io.akmon.agent.loader;

import io.akmon.schema.Fields;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's own cost figures for the agent's programs. Statistics are switched on with
 * BPF_ENABLE_STATS, which keeps them on only while the returned fd is open: nothing to restore
 * when the agent stops or dies, and another tool's {@code kernel.bpf_stats_enabled} is left alone.
 * When the statistics are on, each program run costs two extra clock reads (see README).
 */
public final class ProgramStats implements AutoCloseable {
    private static final int BPF_STATS_RUN_TIME = 0;
    /** sizeof(struct bpf_prog_info) up to attach_btf_id; the kernel accepts any size it knows. */
    static final int INFO_SIZE = 232;
    static final int RUN_TIME_NS = 192;
    static final int RUN_CNT = 200;
    private static final Path SYSCTL = Path.of("/proc/sys/kernel/bpf_stats_enabled");

    private final LibBpf bpf;
    private final Map<String, Integer> fds;
    private final int statsFd;
    private final long enabledAtNano;
    private final String problem;
    private final Pointer info;
    private final Pointer infoLen;
    private boolean closed;

    private ProgramStats(LibBpf bpf, Map<String, Integer> fds, int statsFd, String problem) {
        this.bpf = bpf;
        this.fds = fds;
        this.statsFd = statsFd;
        this.problem = problem;
        this.enabledAtNano = System.nanoTime();
        jnr.ffi.Runtime rt = jnr.ffi.Runtime.getRuntime(bpf);
        this.info = Memory.allocateDirect(rt, INFO_SIZE, true);
        this.infoLen = Memory.allocateDirect(rt, 4, true);
    }

    /**
     * Turns the statistics on (if {@code enable}) for the loaded programs of {@code object}. Never
     * fails: without them the figures stay empty and {@link #problem()} says why.
     */
    public static ProgramStats start(BpfObject object, boolean enable) {
        Map<String, Integer> fds = new LinkedHashMap<>();
        for (String p : object.programNames()) {
            int fd = object.programFd(p);
            if (fd >= 0) {
                fds.put(p, fd);
            }
        }
        if (!enable) {
            return new ProgramStats(object.lib(), fds, -1, "turned off (probe_stats: false)");
        }
        int fd = object.lib().bpf_enable_stats(BPF_STATS_RUN_TIME);
        if (fd < 0) {
            String why = Native.describeErrno(fd == -1 ? Native.errno() : fd);
            return new ProgramStats(object.lib(), fds, -1, sysctlOn() ? null
                    : "the kernel refused BPF_ENABLE_STATS: " + why + "; sysctl kernel.bpf_stats_enabled=1 enables them");
        }
        return new ProgramStats(object.lib(), fds, fd, null);
    }

    private static boolean sysctlOn() {
        try {
            return Files.readString(SYSCTL).trim().equals("1");
        } catch (Exception e) {
            return false;
        }
    }

    /** Whether the kernel is counting now (through this agent's fd or the sysctl). */
    public boolean counting() {
        return !closed && (statsFd >= 0 || (problem == null && sysctlOn()));
    }

    /** Why there are no figures, or null. */
    public String problem() {
        return problem;
    }

    /** Every loaded program's totals since the statistics were switched on; empty when they are not. */
    public synchronized List<ProgramCost> read() {
        List<ProgramCost> out = new ArrayList<>();
        if (closed || !counting()) {
            return out;
        }
        long interval = System.nanoTime() - enabledAtNano;
        for (Map.Entry<String, Integer> e : fds.entrySet()) {
            info.setMemory(0, INFO_SIZE, (byte) 0);
            infoLen.putInt(0, INFO_SIZE);
            if (bpf.bpf_obj_get_info_by_fd(e.getValue(), info, infoLen) != 0) {
                continue;
            }
            out.add(new ProgramCost(e.getKey(), info.getLong(RUN_CNT), info.getLong(RUN_TIME_NS), interval));
        }
        return out;
    }

    /**
     * The health record's {@code programs} entries: per program the totals since load and, over the
     * interval since the reading {@code before} (by program; empty for the first), ns per run and
     * runs per second.
     */
    public static List<Map<String, Object>> healthEntries(List<ProgramCost> now, Map<String, ProgramCost> before) {
        List<Map<String, Object>> out = new ArrayList<>(now.size());
        for (ProgramCost c : now) {
            ProgramCost d = c.since(before.get(c.program()));
            Map<String, Object> e = new LinkedHashMap<>();
            e.put(Fields.PROGRAM, c.program());
            e.put(Fields.RUN_CNT, c.runCount());
            e.put(Fields.RUN_TIME_NS, c.runTimeNs());
            e.put(Fields.NS_PER_RUN, Math.round(d.nsPerRun() * 10) / 10.0);
            e.put(Fields.RUNS_PER_S, Math.round(d.runsPerSecond() * 10) / 10.0);
            out.add(e);
        }
        return out;
    }

    /** Loaded programs by name with their fds. */
    public Map<String, Integer> programs() {
        return Map.copyOf(fds);
    }

    /** Switches the statistics off again (unless someone else keeps them on). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (statsFd >= 0) {
            Native.libc().close(statsFd);
        }
    }
}

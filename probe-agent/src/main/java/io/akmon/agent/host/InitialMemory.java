package io.akmon.agent.host;

import io.akmon.agent.drain.AgentStream;
import io.akmon.agent.drain.DrainSource;
import io.akmon.agent.event.Event;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.function.LongFunction;

/**
 * The RSS of every process that existed before the agent, read once from /proc at the first drain
 * and sent as memory samples marked {@code initial}. From then on the kernel side reads each
 * process's RSS when it runs, and the agent sends a sample only when it changed: a consumer keeps
 * each process's last sample until its exit record, so every live process has its RSS in every
 * window, also one that never runs or never changes.
 *
 * <p>The sample also says who the process is, since its fork and exec were before the agent: ppid,
 * uid and start time from {@code /proc/<pid>/stat} and {@code status}, filename from the {@code exe}
 * link (absent where the agent may not read it), argv from {@code cmdline} (bounded as on exec
 * records, and redacted like theirs before any sink).
 */
public final class InitialMemory implements DrainSource {
    private static final long PAGE = 4096;
    /** USER_HZ: /proc's clock ticks per second. */
    private static final long TICKS_PER_SECOND = 100;
    private final AgentStream stream;
    private final IntPredicate traced;
    private final int argvMax;
    private boolean done;

    /** @param traced whether a pid passes the agent's filters (pid, comm, cgroup) */
    public InitialMemory(AgentStream stream, IntPredicate traced) {
        this(stream, traced, 1023);
    }

    /** @param argvMax bytes of a command line to send, as {@code --argv-max} bounds exec records */
    public InitialMemory(AgentStream stream, IntPredicate traced, int argvMax) {
        this.stream = stream;
        this.traced = traced;
        this.argvMax = argvMax;
    }

    @Override
    public void drain(List<LongFunction<Event>> drafts, long ts, long interval) {
        if (done) {
            return;
        }
        done = true;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), p -> isPid(p.getFileName().toString()))) {
            for (Path p : dir) {
                int pid = Integer.parseInt(p.getFileName().toString());
                if (!traced.test(pid)) {
                    continue;
                }
                Reading r = read(p);
                if (r == null || r.rss == 0) {
                    continue; // gone meanwhile, or a kernel thread (no memory of its own)
                }
                Context c = context(p, argvMax);
                drafts.add(seq -> {
                    Event e = stream.event(EventType.MEMORY, seq, ts, pid, r.comm)
                            .put(Fields.EVENT, "sample")
                            .put(Fields.RSS_BYTES, r.rss)
                            .put(Fields.RSS_MAX_BYTES, Math.max(r.rss, r.hwm))
                            .put(Fields.PAGE_FAULTS, 0L)
                            .put(Fields.INTERVAL_NS, interval)
                            .put(Fields.INITIAL, true);
                    if (c != null) {
                        e.put(Fields.PPID, c.ppid).put(Fields.UID, c.uid)
                                .put(Fields.START_TS, stream.identity().toEpochNs(c.startBoottimeNs));
                        if (c.filename != null) {
                            e.put(Fields.FILENAME, c.filename);
                        }
                        e.put(Fields.ARGV, c.argv).put(Fields.ARGV_TRUNCATED, c.argvTruncated);
                    }
                    return e;
                });
            }
        } catch (IOException e) {
            // without /proc there is nothing to read; the kernel side reports processes as they run
        }
    }

    private record Reading(String comm, long rss, long hwm) {
    }

    /** Who a process is, as /proc says: parent, real uid, start (CLOCK_BOOTTIME ns), exe, command line. */
    record Context(int ppid, int uid, long startBoottimeNs, String filename, List<String> argv, boolean argvTruncated) {
    }

    /** The process's context, or null if it is gone or /proc cannot be read. */
    static Context context(Path proc, int argvMax) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            // comm is in parentheses and may hold anything: the fields after it are separated by spaces.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            int ppid = Integer.parseInt(f[1]);               // field 4
            long startTicks = Long.parseLong(f[19]);         // field 22: start time, ticks since boot
            int uid = -1;
            for (String line : Files.readAllLines(proc.resolve("status"))) {
                if (line.startsWith("Uid:")) {
                    uid = Integer.parseInt(line.substring(4).trim().split("\\s+")[0]); // the real uid
                    break;
                }
            }
            String filename = null;
            try {
                filename = Files.readSymbolicLink(proc.resolve("exe")).toString();
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                // another user's process without CAP_SYS_PTRACE, or a kernel thread: no filename
            }
            byte[] cmdline = Files.readAllBytes(proc.resolve("cmdline"));
            boolean truncated = cmdline.length > argvMax;
            return new Context(ppid, uid, startTicks * (1_000_000_000L / TICKS_PER_SECOND), filename,
                    argv(cmdline, Math.min(cmdline.length, argvMax)), truncated);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** NUL-separated arguments of the first {@code len} bytes, a partial last one kept (as the exec decoder does). */
    static List<String> argv(byte[] raw, int len) {
        List<String> args = new java.util.ArrayList<>();
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (raw[i] == 0) {
                args.add(new String(raw, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < len) {
            args.add(new String(raw, start, len - start, java.nio.charset.StandardCharsets.UTF_8));
        }
        return args;
    }

    /** RSS as VmRSS (statm's resident pages: file + anon + shmem), peak as VmHWM. */
    private static Reading read(Path proc) {
        try {
            String[] statm = Files.readString(proc.resolve("statm")).trim().split(" ");
            long rss = Long.parseLong(statm[1]) * PAGE;
            long hwm = 0;
            for (String line : Files.readAllLines(proc.resolve("status"))) {
                if (line.startsWith("VmHWM:")) {
                    hwm = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    break;
                }
            }
            String comm = Files.readString(proc.resolve("comm")).trim();
            return new Reading(comm, rss, hwm);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean isPid(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** The agent's filters as the kernel applies them: listed pids, exact comms, exact cgroup v2 directories. */
    public static IntPredicate filter(List<Integer> pids, List<String> comms, List<String> cgroups) {
        return pid -> {
            if (!pids.isEmpty() && !pids.contains(pid)) {
                return false;
            }
            Path proc = Path.of("/proc", Integer.toString(pid));
            try {
                if (!comms.isEmpty() && !comms.contains(Files.readString(proc.resolve("comm")).trim())) {
                    return false;
                }
                if (!cgroups.isEmpty()) {
                    String cg = null;
                    for (String line : Files.readAllLines(proc.resolve("cgroup"))) {
                        if (line.startsWith("0::")) {
                            cg = Path.of("/sys/fs/cgroup" + line.substring(3)).normalize().toString();
                        }
                    }
                    if (cg == null) {
                        return false;
                    }
                    boolean match = false;
                    for (String dir : cgroups) {
                        match |= Path.of(dir).toAbsolutePath().normalize().toString().equals(cg);
                    }
                    return match;
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        };
    }
}

package io.akmon.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What watches the host during a measurement: nothing, the akmon agent, bpftrace doing the same
 * collection (syscall counts and errors per process, fork/exec/exit, on-CPU time, block bytes, TCP state),
 * or, as the floor of per-syscall probes, one empty program on {@code tp_btf/sys_exit} ({@link EmptySysExit}).
 */
final class Monitor implements AutoCloseable {
    enum Kind { NONE, AKMON, BPFTRACE, EMPTY_SYS_EXIT }

    static final String BPFTRACE_SCRIPT = """
            tracepoint:raw_syscalls:sys_exit { @sys[pid, args->id] = count(); if (args->ret < 0) { @err[pid, args->id] = count(); } }
            tracepoint:sched:sched_process_fork { printf("fork %d %d\\n", args->parent_pid, args->child_pid); }
            tracepoint:sched:sched_process_exec { printf("exec %d %s\\n", pid, str(args->filename)); }
            tracepoint:sched:sched_process_exit { printf("exit %d\\n", pid); }
            tracepoint:sched:sched_switch { if (@since[cpu]) { @oncpu[args->prev_pid] = sum(nsecs - @since[cpu]); } @since[cpu] = nsecs; }
            tracepoint:block:block_rq_issue { @issued[args->dev, tid] = nsecs; }
            tracepoint:block:block_rq_complete { @disk[args->dev] = sum(args->nr_sector * 512); }
            tracepoint:sock:inet_sock_set_state { printf("tcp %d %d %d\\n", pid, args->oldstate, args->newstate); }
            interval:s:1 { print(@sys); clear(@sys); print(@err); clear(@err); print(@oncpu); clear(@oncpu); print(@disk); clear(@disk); }
            """;

    /** bpftrace's share of the UDP scenario: datagrams and bytes per process from the send and receive exits. */
    static final String BPFTRACE_UDP = """
            tracepoint:syscalls:sys_exit_sendto, tracepoint:syscalls:sys_exit_sendmsg, tracepoint:syscalls:sys_exit_recvfrom,
            tracepoint:syscalls:sys_exit_recvmsg, tracepoint:syscalls:sys_exit_write, tracepoint:syscalls:sys_exit_read
            { if (args->ret >= 0) { @udp[pid, probe] = count(); @udpbytes[pid, probe] = sum(args->ret); } }
            tracepoint:syscalls:sys_exit_sendmmsg, tracepoint:syscalls:sys_exit_recvmmsg { if (args->ret > 0) { @mmsg[pid, probe] = sum(args->ret); } }
            interval:s:1 { print(@udp); clear(@udp); print(@udpbytes); clear(@udpbytes); print(@mmsg); clear(@mmsg); }
            """;

    /** bpftrace's share of the file scenarios: each change with its path, and read/write bytes per process. */
    static final String BPFTRACE_FILES = """
            tracepoint:syscalls:sys_enter_openat /args->flags & 0x243/ { printf("open %d %s\\n", pid, str(args->filename)); }
            tracepoint:syscalls:sys_enter_unlinkat, tracepoint:syscalls:sys_enter_unlink { printf("unlink %d\\n", pid); }
            tracepoint:syscalls:sys_enter_renameat2, tracepoint:syscalls:sys_enter_renameat, tracepoint:syscalls:sys_enter_rename { printf("rename %d\\n", pid); }
            tracepoint:syscalls:sys_enter_mkdir, tracepoint:syscalls:sys_enter_mkdirat, tracepoint:syscalls:sys_enter_rmdir,
            tracepoint:syscalls:sys_enter_fchmodat, tracepoint:syscalls:sys_enter_chmod, tracepoint:syscalls:sys_enter_fchownat,
            tracepoint:syscalls:sys_enter_chown, tracepoint:syscalls:sys_enter_truncate, tracepoint:syscalls:sys_enter_ftruncate
            { printf("%s %d\\n", probe, pid); }
            tracepoint:syscalls:sys_exit_read, tracepoint:syscalls:sys_exit_pread64 /args->ret > 0/ { @rd[pid] = sum(args->ret); }
            tracepoint:syscalls:sys_exit_write, tracepoint:syscalls:sys_exit_pwrite64 /args->ret > 0/ { @wr[pid] = sum(args->ret); }
            interval:s:1 { print(@rd); clear(@rd); print(@wr); clear(@wr); }
            """;

    private final Kind kind;
    private final Process process;
    /** What runs in this JVM instead of a process (the empty program, which has no user-space side). */
    private final AutoCloseable inProcess;

    private Monitor(Kind kind, Process process) {
        this(kind, process, null);
    }

    private Monitor(Kind kind, Process process, AutoCloseable inProcess) {
        this.kind = kind;
        this.process = process;
        this.inProcess = inProcess;
    }

    /** The agent's JVM flags as ./akmon agent, the systemd unit and the container image run it. */
    static final List<String> AGENT_JVM_FLAGS = List.of("-Xms32m", "-Xmx192m", "-XX:+UseSerialGC");

    static Monitor start(Kind kind, Path agentJar, List<String> agentArgs) {
        return start(kind, agentJar, agentArgs, "");
    }

    /** As above; bpftrace also runs {@code bpftraceExtra} (the same collection as the agent's extra families). */
    static Monitor start(Kind kind, Path agentJar, List<String> agentArgs, String bpftraceExtra) {
        try {
            switch (kind) {
                case NONE:
                    return new Monitor(kind, null);
                case EMPTY_SYS_EXIT:
                    return new Monitor(kind, null, EmptySysExit.attach());
                case AKMON: {
                    List<String> cmd = new java.util.ArrayList<>(List.of(
                            Path.of(System.getProperty("java.home"), "bin", "java").toString()));
                    cmd.addAll(AGENT_JVM_FLAGS);
                    cmd.addAll(List.of("-jar", agentJar.toString(),
                            "--sink", "stdout", "--pin-dir", ""));
                    cmd.addAll(agentArgs);
                    Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    awaitLine(p.getErrorStream(), "running", p);
                    return new Monitor(kind, p);
                }
                default: {
                    mountTracefs();
                    Path script = Files.createTempFile("akmon-bench", ".bt");
                    Files.writeString(script, BPFTRACE_SCRIPT + bpftraceExtra);
                    Process p = new ProcessBuilder("bpftrace", script.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                    awaitLine(p.getInputStream(), "Attaching", p);
                    Files.deleteIfExists(script); // read at start-up
                    // keep reading its output so it never blocks on a full pipe
                    Thread drain = new Thread(() -> {
                        try {
                            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                        } catch (IOException ignored) {
                            // stopped
                        }
                    });
                    drain.setDaemon(true);
                    drain.start();
                    Thread.sleep(1000); // attach completes after the banner
                    return new Monitor(kind, p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void awaitLine(java.io.InputStream in, String marker, Process p) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
            if (line.contains(marker)) {
                if (in == p.getErrorStream()) {
                    Thread t = new Thread(() -> {
                        try {
                            r.transferTo(java.io.Writer.nullWriter());
                        } catch (IOException ignored) {
                            // stopped
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                }
                return;
            }
        }
        throw new IllegalStateException("monitor exited before it was ready (exit " + p.exitValue() + ")");
    }

    static void mountTracefs() throws IOException, InterruptedException {
        if (Files.exists(Path.of("/sys/kernel/tracing/events"))) {
            return;
        }
        new ProcessBuilder("mount", "-t", "tracefs", "tracefs", "/sys/kernel/tracing").inheritIO().start().waitFor();
    }

    Kind kind() {
        return kind;
    }

    /** The monitor's own CPU time so far, ns (0 for none). */
    long cpuNs() {
        return process == null ? 0 : Procs.cpuNs(process.pid());
    }

    long rssBytes() {
        return process == null ? 0 : Procs.statusBytes(process.pid(), "VmRSS");
    }

    long peakRssBytes() {
        return process == null ? 0 : Procs.statusBytes(process.pid(), "VmHWM");
    }

    @Override
    public void close() {
        if (inProcess != null) {
            try {
                inProcess.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot detach the " + kind + " monitor", e);
            }
        }
        if (process == null) {
            return;
        }
        process.destroy(); // SIGTERM: both detach cleanly
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

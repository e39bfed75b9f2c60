package io.akmon.cluster;

import io.akmon.embedded.ServerLifecycle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One server of the reference deployment as its own JVM: a main class, its JVM flags and arguments, a log
 * file in its data directory, and a readiness check. {@link #stop()} sends SIGTERM (the server shuts down
 * cleanly), {@link #kill()} sends SIGKILL (what an OOM killer or a dead node does), {@link #restart()}
 * starts it again with the same ports and data.
 *
 * <p>Every process started here is also killed when this JVM exits, so a failed test leaves no orphans.
 */
public class JvmProcess extends ServerLifecycle {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "akmon-cluster-reaper"));
    }

    private final String name;
    private final List<String> jvmFlags;
    private final String mainClass;
    private final List<String> args;
    private final Map<String, String> env;
    private final BooleanSupplier ready;
    private final Duration startTimeout;
    private String classpath;
    private Process process;
    private volatile long logLinesAtStart;

    /** A server on the {@link Classpath#runtime() servers' classpath}. */
    public JvmProcess(String name, Path dataDir, List<String> jvmFlags, String mainClass, List<String> args,
                      Map<String, String> env, BooleanSupplier ready, Duration startTimeout) {
        super(dataDir, false);
        this.name = name;
        this.jvmFlags = List.copyOf(jvmFlags);
        this.mainClass = mainClass;
        this.args = List.copyOf(args);
        this.env = Map.copyOf(env);
        this.ready = ready;
        this.startTimeout = startTimeout;
    }

    /** Runs on this classpath instead of the servers' (e.g. the agent's jar). */
    public JvmProcess classpath(String classpath) {
        this.classpath = classpath;
        return this;
    }

    /** Starts the process and waits until it is ready. */
    public JvmProcess start() {
        startOrClose();
        return this;
    }

    @Override
    protected String name() {
        return name;
    }

    public Path logFile() {
        return dataDir().resolve(name + ".log");
    }

    /** Lines the log file had when this incarnation started (the log is appended to across restarts). */
    public long logLinesAtStart() {
        return logLinesAtStart;
    }

    /** The operating-system pid of the running process. */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException(name + " is not running");
        }
        return process.pid();
    }

    public synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: the process gets no chance to clean up. Returns when it is gone. */
    public synchronized void kill() {
        Process p = process;
        process = null;
        markStopped();
        if (p == null) {
            return;
        }
        p.destroyForcibly(); // SIGKILL on Linux
        waitFor(p, Duration.ofSeconds(30));
        LIVE.remove(p);
    }

    @Override
    protected void launch() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        // a temporary directory of its own: other programs on the machine clean /tmp of what Flink extracts there
        Path tmp = dataDir().resolve("tmp");
        try {
            java.nio.file.Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + tmp, e);
        }
        cmd.add("-Djava.io.tmpdir=" + tmp);
        try {
            if (java.nio.file.Files.exists(logFile())) {
                try (var lines = java.nio.file.Files.lines(logFile(), StandardCharsets.ISO_8859_1)) {
                    logLinesAtStart = lines.count();
                }
            }
        } catch (IOException | UncheckedIOException e) {
            logLinesAtStart = 0;
        }
        cmd.add("-cp");
        cmd.add(classpath != null ? classpath : Classpath.runtime());
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
        pb.environment().putAll(env);
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        LIVE.add(process);
        Process p = process;
        boolean up = await(startTimeout, () -> !p.isAlive() || ready.getAsBoolean());
        if (!p.isAlive() || !up) {
            String why = !p.isAlive() ? "exited with " + p.exitValue() : "not ready after " + startTimeout.toSeconds() + " s";
            halt();
            throw new IllegalStateException(name + " did not start (" + why + "); last lines of " + logFile() + ":\n" + tail(logFile(), 30));
        }
    }

    @Override
    protected void halt() {
        Process p = process;
        process = null;
        if (p == null) {
            return;
        }
        p.destroy(); // SIGTERM: the server's shutdown hooks run
        if (!waitFor(p, Duration.ofSeconds(40))) {
            p.destroyForcibly();
            waitFor(p, Duration.ofSeconds(20));
        }
        LIVE.remove(p);
    }

    private static boolean waitFor(Process p, Duration d) {
        try {
            return p.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The last {@code n} lines of a file, for error messages. */
    public static String tail(Path file, int n) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return name + (alive() ? "[pid " + pid() + "]" : "[stopped]");
    }
}

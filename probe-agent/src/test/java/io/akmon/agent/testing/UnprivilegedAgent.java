package io.akmon.agent.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The packaged agent (target/akmon-agent.jar) started the least-privileged way: as nobody
 * (uid 65534), no groups, holding only CAP_BPF and CAP_PERFMON (setpriv, as README "Security"
 * shows). Its stdout and stderr lines are collected as they come.
 */
public final class UnprivilegedAgent implements AutoCloseable {
    public static final int NOBODY = 65534;
    private static final Path JAR = Path.of("target", "akmon-agent.jar");

    private final Process process;
    private final List<String> out = new CopyOnWriteArrayList<>();
    private final List<String> err = new CopyOnWriteArrayList<>();

    private UnprivilegedAgent(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                "--inh-caps=-all,+bpf,+perfmon", "--ambient-caps=-all,+bpf,+perfmon",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xms32m", "-Xmx192m", "-XX:+UseSerialGC",
                "-Djava.io.tmpdir=/tmp", "-jar", JAR.toAbsolutePath().toString()));
        cmd.addAll(args);
        process = new ProcessBuilder(cmd).directory(Path.of("/").toFile()).start();
        collect(process.getInputStream(), out, "akmon-agent-stdout");
        collect(process.getErrorStream(), err, "akmon-agent-stderr");
    }

    public static UnprivilegedAgent start(String... args) throws IOException {
        return new UnprivilegedAgent(List.of(args));
    }

    private static void collect(InputStream in, List<String> into, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    into.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** The agent JVM's pid (setpriv executes java in its own place). */
    public long pid() {
        return process.pid();
    }

    public List<String> stdout() {
        return List.copyOf(out);
    }

    public String stderr() {
        return String.join("\n", err);
    }

    /** Waits until a stderr line matches; fails with what the agent said if it ends or the time runs out. */
    public String awaitStderr(Predicate<String> line, long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            for (String l : err) {
                if (line.test(l)) {
                    return l;
                }
            }
            if (!process.isAlive()) {
                Thread.sleep(200); // the last lines
                for (String l : err) {
                    if (line.test(l)) {
                        return l;
                    }
                }
                throw new AssertionError("the agent ended (exit " + process.exitValue() + "): " + stderr());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the agent did not say it within " + timeoutSeconds + " s: " + stderr());
    }

    /** Waits until a stdout line matches. */
    public String awaitStdout(Predicate<String> line, long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        int seen = 0;
        while (System.nanoTime() < deadline) {
            List<String> now = stdout();
            for (int i = seen; i < now.size(); i++) {
                if (line.test(now.get(i))) {
                    return now.get(i);
                }
            }
            seen = now.size();
            Thread.sleep(50);
        }
        throw new AssertionError("no matching record within " + timeoutSeconds + " s; stderr: " + stderr());
    }

    /** Waits for the agent to end by itself (its --duration); returns the exit code. */
    public int awaitExit(long timeoutSeconds) throws InterruptedException {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the agent did not stop within " + timeoutSeconds + " s: " + stderr());
        }
        Thread.sleep(200); // the collectors' last lines
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}

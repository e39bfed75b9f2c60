package io.akmon.agent.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process from src/test/c/workload.c with known kernel-visible effects. It prepares, waits for
 * {@link #go()}, works, reports done, and stays alive until {@link #close()}.
 */
public final class Workload implements AutoCloseable {
    private final Process process;
    private final BufferedReader out;
    private final OutputStream in;
    private final int pid;

    private Workload(List<String> prefix, List<String> args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(binary().toString());
        cmd.addAll(args);
        try {
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = process.getOutputStream();
        String ready = line();
        if (!ready.startsWith("ready ")) {
            throw new IllegalStateException("workload said '" + ready + "'");
        }
        pid = Integer.parseInt(ready.substring(6).trim());
    }

    public static Workload start(String... args) {
        return new Workload(List.of(), List.of(args));
    }

    /** Starts the workload through a wrapper that execs it, e.g. {@code ip netns exec NAME}. */
    public static Workload startIn(List<String> wrapper, String... args) {
        return new Workload(wrapper, List.of(args));
    }

    public static Path binary() {
        return Path.of(System.getProperty("akmon.workload", "target/workload"));
    }

    public int pid() {
        return pid;
    }

    /** Starts the work and waits until it is done; returns what the workload reported after "done". */
    public String go() {
        try {
            in.write("go\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String done = line();
        if (!done.startsWith("done")) {
            throw new IllegalStateException("workload said '" + done + "'");
        }
        return done.substring(4).trim();
    }

    private String line() {
        try {
            String l = out.readLine();
            if (l == null) {
                throw new IllegalStateException("workload ended early with " + process.waitFor());
            }
            return l;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Lets the workload exit and waits for it; returns its exit status. */
    public int finish() {
        try {
            in.close();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("workload did not exit");
            }
            return process.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            finish();
        }
    }
}

package io.akmon.bench;

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

/** One run of the workload binary: prepared, then timed from the go line to its done line. */
final class LoadGenerator {
    private final Process process;
    private final BufferedReader out;
    private final OutputStream in;
    private final long pid;

    LoadGenerator(Path binary, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(args);
        try {
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = process.getOutputStream();
            String ready = out.readLine();
            if (ready == null || !ready.startsWith("ready")) {
                throw new IllegalStateException("workload " + args + " said " + ready);
            }
            pid = process.pid();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long pid() {
        return pid;
    }

    void go() {
        try {
            in.write("go\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void awaitDone() {
        try {
            String done = out.readLine();
            if (done == null || !done.startsWith("done")) {
                throw new IllegalStateException("workload said " + done);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs the work phase; returns its wall time in ns. */
    long timeWork() {
        long t0 = System.nanoTime();
        go();
        awaitDone();
        return System.nanoTime() - t0;
    }

    void finish() {
        try {
            in.close();
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

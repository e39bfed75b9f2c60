package io.akmon.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The life of a server that tests and {@code akmon run} start, stop, restart and close: a data
 * directory (deleted on close when it is temporary), loopback ports chosen once and kept across restarts,
 * and the waits around them. The in-JVM servers ({@link EmbeddedKafka}, {@link EmbeddedElasticsearch}) and
 * the multi-process reference deployment (module {@code cluster}) share it.
 *
 * <p>Subclasses say how to {@link #launch()} and {@link #halt()}; this class keeps stop, restart and close
 * idempotent and ordered.
 */
public abstract class ServerLifecycle implements AutoCloseable {
    private final Path dataDir;
    private final boolean temporary;
    private boolean running;
    private boolean closed;

    protected ServerLifecycle(Path dataDir, boolean temporary) {
        this.dataDir = dataDir.toAbsolutePath();
        this.temporary = temporary;
        try {
            Files.createDirectories(this.dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare data directory " + dataDir, e);
        }
    }

    /** Starts the server; returns when it serves. Called with the lock held. */
    protected abstract void launch();

    /** Stops the server that {@link #launch()} started; returns when it is gone. Called with the lock held. */
    protected abstract void halt();

    /** A name for messages, e.g. {@code "Kafka"}. */
    protected abstract String name();

    public Path dataDir() {
        return dataDir;
    }

    public synchronized boolean isRunning() {
        return running;
    }

    /** Starts the server for the first time; on failure everything is released and the error rethrown. */
    protected final void startOrClose() {
        try {
            synchronized (this) {
                launch();
                running = true;
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Shuts the server down; ports and data are kept for {@link #restart()}. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        halt();
    }

    /** Starts the server again on the same ports with the same data (stopping it first if it runs). */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException(name() + " is closed");
        }
        stop();
        launch();
        running = true;
    }

    /** Marks the server as gone without {@link #halt()}, after it was killed from outside. */
    protected synchronized void markStopped() {
        running = false;
    }

    /** Stops the server; deletes its data if it lives in a temporary directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop();
        } finally {
            if (temporary) {
                deleteRecursively(dataDir);
            }
        }
    }

    // ---- helpers shared by the servers ----------------------------------------------------

    /** A loopback port that is free now. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** {@code n} distinct free loopback ports. */
    public static int[] freePorts(int n) {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            int p;
            do {
                p = freePort();
            } while (contains(ports, i, p));
            ports[i] = p;
        }
        return ports;
    }

    private static boolean contains(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }

    /** Whether something accepts connections on {@code 127.0.0.1:port}. */
    public static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits until {@code port} can be bound again (the previous server's sockets are gone), at most {@code timeout}. */
    public static void awaitPortFree(int port, Duration timeout) {
        await(timeout, () -> {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Polls {@code condition} every 100 ms until it holds (true) or {@code timeout} passes (false). */
    public static boolean await(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(100);
        }
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}

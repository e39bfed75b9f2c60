package io.akmon.embedded;

import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Elasticsearch 7.10 (the codelibs cluster runner: the ES server and its modules as
 * plain jars) in this JVM, HTTP on a free port of 127.0.0.1.
 *
 * <p>{@link #stop()} shuts the node down and keeps its port and data; {@link #restart()} brings it back
 * with the same port, data and documents, which is how tests simulate an outage. Run with
 * {@code -da:org.elasticsearch...}: an ES assertion trips on some cgroup layouts.
 */
public final class EmbeddedElasticsearch implements AutoCloseable {
    private static final String CLUSTER_NAME = "akmon-embedded";

    private final Path dataDir;
    private final boolean temporary;
    private final int httpPort;
    private final int transportPort;
    private ElasticsearchClusterRunner runner;
    private boolean closed;

    private EmbeddedElasticsearch(Path dataDir, boolean temporary) throws IOException {
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.httpPort = freePort();
        int t = freePort();
        while (t == httpPort) {
            t = freePort();
        }
        this.transportPort = t;
    }

    /** Starts a node whose data lives in a new temporary directory, deleted by {@link #close()}. */
    public static EmbeddedElasticsearch start() {
        try {
            return start(Files.createTempDirectory("akmon-es-"), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for Elasticsearch", e);
        }
    }

    /** Starts a node keeping its data in {@code dataDir} (reused if it exists); {@link #close()} keeps it. */
    public static EmbeddedElasticsearch start(Path dataDir) {
        return start(dataDir, false);
    }

    private static EmbeddedElasticsearch start(Path dataDir, boolean temporary) {
        EmbeddedElasticsearch es;
        try {
            Files.createDirectories(dataDir);
            es = new EmbeddedElasticsearch(dataDir.toAbsolutePath(), temporary);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Elasticsearch data directory " + dataDir, e);
        }
        try {
            es.launch();
        } catch (RuntimeException | Error e) {
            es.close();
            throw e;
        }
        return es;
    }

    /** Base URL of the REST API, e.g. {@code http://127.0.0.1:41234}. */
    public String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public int port() {
        return httpPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public synchronized boolean isRunning() {
        return runner != null;
    }

    /** Shuts the node down; port and data are kept for {@link #restart()}. */
    public synchronized void stop() {
        if (runner == null) {
            return;
        }
        ElasticsearchClusterRunner r = runner;
        runner = null;
        try {
            r.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop Elasticsearch", e);
        }
        awaitPortFree();
    }

    /** Starts the node again on the same port with the same data (stopping it first if it runs). */
    public synchronized void restart() {
        if (closed) {
            throw new IllegalStateException("EmbeddedElasticsearch is closed");
        }
        stop();
        launch();
    }

    /** Stops the node; deletes its data if it lives in a temporary directory made by {@link #start()}. */
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
                EmbeddedKafka.deleteRecursively(dataDir);
            }
        }
    }

    // ---------------------------------------------------------------------------------------

    private void launch() {
        ElasticsearchClusterRunner r = new ElasticsearchClusterRunner() {
            @Override
            public void print(String line) {
                // The runner's chatter (paths, ports, "Closed all nodes.") went to stdout, into JSON piped
                // to jq; start-up failures reach the caller as exceptions with the reason instead.
            }
        };
        r.onBuild((number, settings) -> {
            settings.put("network.host", "127.0.0.1");
            settings.put("http.port", Integer.toString(httpPort));
            settings.put("transport.port", Integer.toString(transportPort));
            // Tests share small, busy disks: never turn indices read-only for disk watermarks.
            settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
            settings.put("bootstrap.memory_lock", "false");
        });
        r.setMaxHttpPort(httpPort);
        r.build(ElasticsearchClusterRunner.newConfigs()
                .basePath(dataDir.toString())
                .numOfNode(1)
                .baseHttpPort(httpPort - 1)
                .clusterName(CLUSTER_NAME)
                .disableESLogger()
                .printOnFailure());
        runner = r;
        try {
            r.ensureYellow();
            awaitHttp();
        } catch (RuntimeException e) {
            stop();
            throw new IllegalStateException("Elasticsearch did not start on " + httpUrl() + ": " + e, e);
        }
    }

    /** Waits until the REST API answers, so callers can use {@link #httpUrl()} right away. */
    private void awaitHttp() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try {
                HttpURLConnection c = (HttpURLConnection) new URL(httpUrl() + "/_cluster/health?wait_for_status=yellow&timeout=5s").openConnection();
                c.setConnectTimeout(2000);
                c.setReadTimeout(10_000);
                int code = c.getResponseCode();
                try (InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream()) {
                    if (in != null) {
                        in.readAllBytes();
                    }
                }
                if (code == 200) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            sleep(100);
        }
        throw new IllegalStateException("Elasticsearch REST API on " + httpUrl() + " is not answering", last);
    }

    private void awaitPortFree() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort));
                return;
            } catch (IOException e) {
                sleep(100);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Runs a node until the process is stopped, for {@code java -cp ... io.akmon.embedded.EmbeddedElasticsearch
     * [data dir]}; prints the HTTP URL on the first line of standard output.
     */
    public static void main(String[] args) throws InterruptedException {
        EmbeddedElasticsearch es = args.length > 0 ? start(Path.of(args[0])) : start();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            es.close();
            done.countDown();
        }, "akmon-es-shutdown"));
        System.out.println(es.httpUrl());
        System.out.flush();
        done.await();
    }

    @Override
    public String toString() {
        return "EmbeddedElasticsearch[" + httpUrl() + ", " + dataDir + (isRunning() ? ", running" : ", stopped") + "]";
    }
}

package io.akmon.embedded;

import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Elasticsearch 7.10 (the codelibs cluster runner: the ES server and its modules as
 * plain jars) in this JVM, HTTP on a free port of 127.0.0.1.
 *
 * <p>{@link #stop()} shuts the node down and keeps its port and data; {@link #restart()} brings it back
 * with the same port, data and documents, which is how tests simulate an outage. Run with
 * {@code -da:org.elasticsearch...}: an ES assertion trips on some cgroup layouts.
 *
 * <p>{@link #start(Path, Map)} takes further node settings, so the same starter runs one node of a
 * multi-node cluster (node name, {@code transport.port}, {@code discovery.seed_hosts},
 * {@code cluster.initial_master_nodes}), as the reference deployment in module {@code cluster} does.
 */
public final class EmbeddedElasticsearch extends ServerLifecycle {
    private static final String CLUSTER_NAME = "akmon-embedded";

    private final int httpPort;
    private final int transportPort;
    private final Map<String, String> nodeSettings;
    private ElasticsearchClusterRunner runner;

    private EmbeddedElasticsearch(Path dataDir, boolean temporary, Map<String, String> nodeSettings) {
        super(dataDir, temporary);
        this.nodeSettings = new LinkedHashMap<>(nodeSettings);
        int[] ports = freePorts(2);
        this.httpPort = port(nodeSettings, "http.port", ports[0]);
        this.transportPort = port(nodeSettings, "transport.port", ports[1]);
    }

    private static int port(Map<String, String> settings, String key, int otherwise) {
        String v = settings.get(key);
        return v == null ? otherwise : Integer.parseInt(v);
    }

    /** Starts a node whose data lives in a new temporary directory, deleted by {@link #close()}. */
    public static EmbeddedElasticsearch start() {
        try {
            return start(Files.createTempDirectory("akmon-es-"), true, Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for Elasticsearch", e);
        }
    }

    /** Starts a node keeping its data in {@code dataDir} (reused if it exists); {@link #close()} keeps it. */
    public static EmbeddedElasticsearch start(Path dataDir) {
        return start(dataDir, false, Map.of());
    }

    /**
     * Starts a node keeping its data in {@code dataDir}, with further node settings that override the
     * defaults here ({@code http.port} and {@code transport.port} included; {@code cluster.name} too).
     */
    public static EmbeddedElasticsearch start(Path dataDir, Map<String, String> nodeSettings) {
        return start(dataDir, false, nodeSettings);
    }

    private static EmbeddedElasticsearch start(Path dataDir, boolean temporary, Map<String, String> nodeSettings) {
        EmbeddedElasticsearch es = new EmbeddedElasticsearch(dataDir, temporary, nodeSettings);
        es.startOrClose();
        return es;
    }

    /** Base URL of the REST API, e.g. {@code http://127.0.0.1:41234}. */
    public String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public int port() {
        return httpPort;
    }

    @Override
    protected String name() {
        return "EmbeddedElasticsearch";
    }

    @Override
    protected void halt() {
        ElasticsearchClusterRunner r = runner;
        runner = null;
        if (r == null) {
            return;
        }
        try {
            r.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop Elasticsearch", e);
        }
        awaitPortFree(httpPort, Duration.ofSeconds(30));
    }

    // ---------------------------------------------------------------------------------------

    @Override
    protected void launch() {
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
            nodeSettings.forEach(settings::put);
        });
        r.setMaxHttpPort(httpPort);
        r.build(ElasticsearchClusterRunner.newConfigs()
                .basePath(dataDir().toString())
                .numOfNode(1)
                .baseHttpPort(httpPort - 1)
                .clusterName(nodeSettings.getOrDefault("cluster.name", CLUSTER_NAME))
                .disableESLogger()
                .printOnFailure());
        runner = r;
        try {
            awaitHttp();
        } catch (RuntimeException e) {
            halt();
            throw new IllegalStateException("Elasticsearch did not start on " + httpUrl() + ": " + e, e);
        }
    }

    /** Waits until the REST API answers, so callers can use {@link #httpUrl()} right away. */
    private void awaitHttp() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
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

    /**
     * Runs a node until the process is stopped, for {@code java -cp ... io.akmon.embedded.EmbeddedElasticsearch
     * [data dir [setting=value ...]]}; prints the HTTP URL on the first line of standard output.
     */
    public static void main(String[] args) throws InterruptedException {
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                System.err.println("akmon: node setting '" + args[i] + "' is not KEY=VALUE; fix: e.g. node.name=es-1");
                System.exit(2);
            }
            settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        EmbeddedElasticsearch es = args.length > 0 ? start(Path.of(args[0]), settings) : start();
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
        return "EmbeddedElasticsearch[" + httpUrl() + ", " + dataDir() + (isRunning() ? ", running" : ", stopped") + "]";
    }
}

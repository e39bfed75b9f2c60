package io.akmon.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedElasticsearch;
import io.akmon.embedded.ServerLifecycle;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Elasticsearch of the reference deployment: two nodes, each its own process (the node of
 * {@link EmbeddedElasticsearch}, run by its {@code main} with cluster settings). Node {@code es-1} is
 * master-eligible and holds data; {@code es-2} holds data only, so losing {@code es-2} never costs the
 * cluster its master (two master-eligible nodes could not out-vote each other; a production cluster runs
 * three). The aggregation job writes every index with one replica ({@code --es-replicas 1}), so each shard
 * lives on both nodes and either can go down without losing a document.
 */
public final class ElasticsearchCluster implements AutoCloseable {
    public static final String CLUSTER_NAME = "akmon-reference";

    private final List<JvmProcess> nodes = new ArrayList<>();
    private final int[] httpPorts;
    private final int[] transportPorts;

    private ElasticsearchCluster(int n) {
        int[] ports = ServerLifecycle.freePorts(2 * n);
        httpPorts = new int[n];
        transportPorts = new int[n];
        for (int i = 0; i < n; i++) {
            httpPorts[i] = ports[2 * i];
            transportPorts[i] = ports[2 * i + 1];
        }
    }

    /** Starts {@code n} nodes under {@code dir}; returns when all have joined. */
    public static ElasticsearchCluster start(Path dir, int n) {
        ElasticsearchCluster es = new ElasticsearchCluster(n);
        try {
            List<String> seeds = new ArrayList<>();
            for (int port : es.transportPorts) {
                seeds.add("127.0.0.1:" + port);
            }
            for (int i = 0; i < n; i++) {
                String name = "es-" + (i + 1);
                List<String> args = new ArrayList<>(List.of(dir.resolve(name).toAbsolutePath().toString(),
                        "cluster.name=" + CLUSTER_NAME,
                        "node.name=" + name,
                        "http.port=" + es.httpPorts[i],
                        "transport.port=" + es.transportPorts[i],
                        "discovery.seed_hosts=" + String.join(",", seeds)));
                if (i == 0) {
                    args.add("cluster.initial_master_nodes=" + name);
                } else {
                    args.add("node.master=false");
                }
                String health = es.url(i + 1) + "/_cluster/health?wait_for_status=yellow&timeout=1s";
                JvmProcess node = new JvmProcess(name, dir.resolve(name), List.of("-Xms512m", "-Xmx512m",
                        "-Dlog4j2.configurationFile=" + Logging.config(dir, "WARN")),
                        EmbeddedElasticsearch.class.getName(), args, Map.of(), () -> Http.answers(health), Duration.ofSeconds(300));
                es.nodes.add(node);
            }
            Parallel.run(es.nodes.stream().<Runnable>map(node -> node::start).toList());
            es.awaitNodes(n, Duration.ofSeconds(180));
            return es;
        } catch (RuntimeException | Error e) {
            es.close();
            throw e;
        }
    }

    /** REST URL of node {@code i} (1-based). */
    public String url(int i) {
        return "http://127.0.0.1:" + httpPorts[i - 1];
    }

    /** Every node's REST URL, comma-separated, as the jobs' {@code --es} takes them. */
    public String urls() {
        List<String> u = new ArrayList<>();
        for (int i = 1; i <= httpPorts.length; i++) {
            u.add(url(i));
        }
        return String.join(",", u);
    }

    public JvmProcess node(int i) {
        return nodes.get(i - 1);
    }

    public int size() {
        return nodes.size();
    }

    /** Node names in {@code _cat/nodes}, asked of the first node that answers. */
    public List<String> catNodes() {
        for (int i = 1; i <= nodes.size(); i++) {
            if (!nodes.get(i - 1).alive()) {
                continue;
            }
            try {
                JsonNode r = Http.get(url(i) + "/_cat/nodes?format=json&h=name");
                List<String> names = new ArrayList<>();
                r.forEach(n -> names.add(n.path("name").asText()));
                names.sort(null);
                return names;
            } catch (RuntimeException e) {
                // try the next node
            }
        }
        return List.of();
    }

    /** Health of the cluster as one live node sees it: {@code green}, {@code yellow}, {@code red} or {@code unknown}. */
    public String status() {
        for (int i = 1; i <= nodes.size(); i++) {
            if (nodes.get(i - 1).alive()) {
                try {
                    Http.Response r = Http.call("GET", url(i) + "/_cluster/health", null);
                    if (r.body() != null) {
                        return r.body().path("status").asText("unknown");
                    }
                } catch (RuntimeException e) {
                    // next
                }
            }
        }
        return "unknown";
    }

    /** Waits until {@code n} nodes are in {@code _cat/nodes}. */
    public void awaitNodes(int n, Duration timeout) {
        if (!ServerLifecycle.await(timeout, () -> catNodes().size() == n)) {
            throw new IllegalStateException("Elasticsearch has not " + n + " nodes after " + timeout.toSeconds() + " s: " + catNodes());
        }
    }

    /** Waits until every node is in and every shard, replicas included, is assigned (green). */
    public void awaitGreen(Duration timeout) {
        awaitNodes(nodes.size(), timeout);
        if (!ServerLifecycle.await(timeout, () -> "green".equals(status()))) {
            throw new IllegalStateException("Elasticsearch is not green after " + timeout.toSeconds() + " s: " + status());
        }
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
    }
}

package io.akmon.cluster;

import io.akmon.embedded.ServerLifecycle;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Kafka of the reference deployment: {@code n} KRaft nodes, each broker and controller in one process
 * ({@code java kafka.Kafka server.properties}), a controller quorum of all of them, and the replication
 * settings that keep every accepted record through the loss of one node:
 * replication factor 3 and {@code min.insync.replicas=2} for every topic (the agent's, the aggregates',
 * the consumer offsets and the transaction log), no unclean leader election.
 */
public final class KafkaCluster implements AutoCloseable {
    /** Replicas of every topic, and how many must have a record before it counts as written. */
    public static final int REPLICATION_FACTOR = 3;
    public static final int MIN_INSYNC_REPLICAS = 2;

    private final Path dir;
    private final int[] brokerPorts;
    private final int[] controllerPorts;
    private final List<JvmProcess> brokers = new ArrayList<>();

    private KafkaCluster(Path dir, int n) {
        this.dir = dir;
        int[] ports = ServerLifecycle.freePorts(2 * n);
        brokerPorts = new int[n];
        controllerPorts = new int[n];
        for (int i = 0; i < n; i++) {
            brokerPorts[i] = ports[2 * i];
            controllerPorts[i] = ports[2 * i + 1];
        }
    }

    /** Formats (once) and starts {@code n} nodes with ids 1..n under {@code dir}; returns when all are registered. */
    public static KafkaCluster start(Path dir, int n) {
        KafkaCluster k = new KafkaCluster(dir.toAbsolutePath(), n);
        try {
            String clusterId = Uuid.randomUuid().toString();
            for (int id = 1; id <= n; id++) {
                k.brokers.add(k.broker(id, clusterId));
            }
            // all at once: a quorum forms only when a majority of the controllers is up
            Parallel.run(k.brokers.stream().<Runnable>map(b -> b::start).toList());
            k.awaitBrokers(n, Duration.ofSeconds(240));
            return k;
        } catch (RuntimeException | Error e) {
            k.close();
            throw e;
        }
    }

    /** The settings of node {@code id}, as its server.properties holds them. */
    Map<String, String> config(int id) {
        int i = id - 1;
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(id));
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i] + ",CONTROLLER://127.0.0.1:" + controllerPorts[i]);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i]);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        List<String> voters = new ArrayList<>();
        for (int v = 1; v <= brokerPorts.length; v++) {
            voters.add(v + "@127.0.0.1:" + controllerPorts[v - 1]);
        }
        p.put("controller.quorum.voters", String.join(",", voters));
        p.put("log.dirs", dir.resolve("broker-" + id).resolve("data").toString());
        // durability: every partition on 3 nodes, a write needs 2 of them, a lagging replica never leads
        p.put("default.replication.factor", String.valueOf(REPLICATION_FACTOR));
        p.put("min.insync.replicas", String.valueOf(MIN_INSYNC_REPLICAS));
        p.put("offsets.topic.replication.factor", String.valueOf(REPLICATION_FACTOR));
        p.put("transaction.state.log.replication.factor", String.valueOf(REPLICATION_FACTOR));
        p.put("transaction.state.log.min.isr", String.valueOf(MIN_INSYNC_REPLICAS));
        p.put("unclean.leader.election.enable", "false");
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "3");
        // a dead node is fenced and its partitions get new leaders within seconds
        p.put("broker.session.timeout.ms", "6000");
        p.put("broker.heartbeat.interval.ms", "1000");
        p.put("replica.lag.time.max.ms", "10000");
        // small machine: few threads and partitions for the internal topics
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.num.partitions", "3");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("num.replica.fetchers", "1");
        p.put("log.cleaner.threads", "1");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        p.put("auto.leader.rebalance.enable", "true");
        p.put("leader.imbalance.check.interval.seconds", "10");
        return p;
    }

    private JvmProcess broker(int id, String clusterId) {
        Path home = dir.resolve("broker-" + id);
        Path props = home.resolve("server.properties");
        try {
            Files.createDirectories(home);
            Properties p = new Properties();
            p.putAll(config(id));
            try (OutputStream out = Files.newOutputStream(props)) {
                p.store(out, "akmon reference deployment: Kafka node " + id);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + props, e);
        }
        format(props, clusterId, home);
        int controllerPort = controllerPorts[id - 1];
        int brokerPort = brokerPorts[id - 1];
        return new JvmProcess("kafka-" + id, home,
                List.of("-Xms256m", "-Xmx256m", "-XX:+UseSerialGC", "-Dlog4j2.configurationFile=" + Logging.config(dir, "WARN")),
                "kafka.Kafka", List.of(props.toString()), Map.of(),
                () -> ServerLifecycle.listening(controllerPort) && ServerLifecycle.listening(brokerPort), Duration.ofSeconds(240));
    }

    private static void format(Path props, String clusterId, Path home) {
        if (Files.exists(home.resolve("data").resolve("meta.properties"))) {
            return;
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int rc;
        try (PrintStream ps = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            rc = kafka.tools.StorageTool.execute(new String[] {"format", "--cluster-id", clusterId,
                    "--config", props.toString(), "--ignore-formatted"}, ps);
        }
        if (rc != 0) {
            throw new IllegalStateException("formatting Kafka storage of " + home + " failed (" + rc + "): " + output.toString(StandardCharsets.UTF_8));
        }
    }

    public String bootstrapServers() {
        List<String> s = new ArrayList<>();
        for (int port : brokerPorts) {
            s.add("127.0.0.1:" + port);
        }
        return String.join(",", s);
    }

    public int size() {
        return brokers.size();
    }

    /** The process of node {@code id} (1-based). */
    public JvmProcess broker(int id) {
        return brokers.get(id - 1);
    }

    public Admin admin() {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(props);
    }

    /** Partitions of {@code topics} by leader node id ({@code -1}: no leader). */
    public Map<Integer, List<String>> leaders(List<String> topics) {
        Map<Integer, List<String>> byLeader = new HashMap<>();
        for (TopicDescription d : describe(topics).values()) {
            for (TopicPartitionInfo p : d.partitions()) {
                int leader = p.leader() == null ? -1 : p.leader().id();
                byLeader.computeIfAbsent(leader, x -> new ArrayList<>()).add(d.name() + "-" + p.partition());
            }
        }
        return byLeader;
    }

    public Map<String, TopicDescription> describe(List<String> topics) {
        try (Admin admin = admin()) {
            return admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe topics " + topics + ": " + e, e);
        }
    }

    /** Waits until {@code n} brokers are registered and every partition of every topic has all replicas in sync. */
    public void awaitHealthy(Duration timeout) {
        awaitBrokers(brokers.size(), timeout);
        String[] last = {""};
        boolean ok = ServerLifecycle.await(timeout, () -> {
            try (Admin admin = admin()) {
                var names = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
                        .names().get(10, TimeUnit.SECONDS);
                Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
                List<String> under = d.values().stream().flatMap(t -> t.partitions().stream()
                                .filter(p -> p.leader() == null || p.isr().size() < p.replicas().size())
                                .map(p -> t.name() + "-" + p.partition()))
                        .collect(Collectors.toList());
                last[0] = under.toString();
                return under.isEmpty();
            } catch (Exception e) {
                last[0] = e.toString();
                return false;
            }
        });
        if (!ok) {
            throw new IllegalStateException("Kafka partitions not fully replicated after " + timeout.toSeconds() + " s: " + last[0]);
        }
    }

    private void awaitBrokers(int n, Duration timeout) {
        String[] last = {""};
        boolean ok = ServerLifecycle.await(timeout, () -> {
            try (Admin admin = admin()) {
                int registered = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
                last[0] = registered + " registered";
                return registered == n;
            } catch (Exception e) {
                last[0] = e.toString();
                return false;
            }
        });
        if (!ok) {
            throw new IllegalStateException("Kafka has not " + n + " brokers after " + timeout.toSeconds() + " s: " + last[0]);
        }
    }

    @Override
    public void close() {
        for (JvmProcess b : brokers) {
            b.close();
        }
    }
}

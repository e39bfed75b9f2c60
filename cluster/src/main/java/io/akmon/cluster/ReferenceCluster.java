package io.akmon.cluster;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The reference deployment of akmon on one machine, every server its own JVM: three Kafka nodes
 * ({@link KafkaCluster}), a Flink session cluster of one JobManager and two TaskManagers
 * ({@link FlinkCluster}), two Elasticsearch nodes ({@link ElasticsearchCluster}); the topics are created
 * with replication factor 3 before any job or agent starts, and both jobs are submitted with
 * {@code flink run} from the packaged jar.
 *
 * <p>{@code java -cp <cluster classpath> io.akmon.cluster.ReferenceCluster DIR JOBS_JAR} starts it all,
 * prints the endpoints as one JSON line and runs until stopped.
 */
public final class ReferenceCluster implements AutoCloseable {
    /** One topic per record family, as the agent writes them (prefix {@code akmon.}). */
    public static final List<String> FAMILIES = List.of("fork", "exec", "exit", "syscall", "cpu", "memory", "disk", "net", "lost", "agent", "host", "audit", "file");
    public static final String AGGREGATES_TOPIC = "akmon.aggregates";
    /** The aggregation job's live partials (its --live-topic default). */
    public static final String LIVE_TOPIC = "akmon.aggregates.live";
    public static final String ALERTS_TOPIC = "akmon.alerts";
    public static final String DEAD_LETTER_TOPIC = "akmon.deadletter";
    public static final int PARTITIONS = 3;
    public static final String AGGREGATION_MAIN = "io.akmon.flink.AggregationJob";
    public static final String ALERT_MAIN = "io.akmon.flink.alert.AlertJob";

    private final Path dir;
    private final Path jobsJar;
    private volatile ZooKeeperServer zookeeper;
    private volatile KafkaCluster kafka;
    private volatile FlinkCluster flink;
    private volatile ElasticsearchCluster elasticsearch;

    private ReferenceCluster(Path dir, Path jobsJar) {
        this.dir = dir.toAbsolutePath();
        this.jobsJar = jobsJar.toAbsolutePath();
    }

    /** Starts Kafka, Elasticsearch and Flink under {@code dir} and creates the topics; jobs are submitted separately. */
    public static ReferenceCluster start(Path dir, Path jobsJar, Map<String, String> flinkSettings) {
        ReferenceCluster c = new ReferenceCluster(dir, jobsJar);
        try {
            Files.createDirectories(c.dir);
            // independent of each other: all three start at once
            Parallel.run(List.of(
                    () -> {
                        c.kafka = KafkaCluster.start(c.dir.resolve("kafka"), 3);
                        c.createTopics();
                    },
                    () -> c.elasticsearch = ElasticsearchCluster.start(c.dir.resolve("elasticsearch"), 2),
                    () -> {
                        c.zookeeper = ZooKeeperServer.start(c.dir.resolve("zookeeper"));
                        Map<String, String> settings = new java.util.LinkedHashMap<>(highAvailability(c.zookeeper, c.dir.resolve("flink")));
                        settings.putAll(flinkSettings);
                        c.flink = FlinkCluster.start(c.dir.resolve("flink"), 2, settings);
                    }));
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        } catch (java.io.IOException e) {
            c.close();
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Flink's ZooKeeper high availability: the leading JobManager's address, the submitted job graphs and
     * the pointers to each job's completed checkpoints live in ZooKeeper (their payloads in
     * {@code storageDir}), so a JobManager started after the leader died takes over every job and resumes
     * it from its latest checkpoint, with the same job id. The session timeout is how long a dead leader
     * keeps its leadership: 10 s instead of the default 60 s.
     */
    public static Map<String, String> highAvailability(ZooKeeperServer zookeeper, Path flinkDir) {
        Map<String, String> ha = new java.util.LinkedHashMap<>();
        ha.put("high-availability.type", "zookeeper");
        ha.put("high-availability.zookeeper.quorum", zookeeper.quorum());
        ha.put("high-availability.zookeeper.path.root", "/flink");
        ha.put("high-availability.cluster-id", "/akmon");
        ha.put("high-availability.storageDir", flinkDir.toAbsolutePath().resolve("ha").toUri().toString());
        ha.put("high-availability.zookeeper.client.session-timeout", "10000");
        ha.put("high-availability.zookeeper.client.connection-timeout", "10000");
        return ha;
    }

    public static List<String> eventTopics() {
        List<String> t = new ArrayList<>();
        FAMILIES.forEach(f -> t.add("akmon." + f));
        return t;
    }

    /** Every topic of the pipeline with {@link #PARTITIONS} partitions on all three nodes. */
    private void createTopics() {
        List<NewTopic> topics = new ArrayList<>();
        List<String> names = new ArrayList<>(eventTopics());
        names.addAll(List.of(AGGREGATES_TOPIC, LIVE_TOPIC, ALERTS_TOPIC, DEAD_LETTER_TOPIC));
        for (String n : names) {
            topics.add(new NewTopic(n, PARTITIONS, (short) KafkaCluster.REPLICATION_FACTOR)
                    .configs(Map.of("min.insync.replicas", String.valueOf(KafkaCluster.MIN_INSYNC_REPLICAS))));
        }
        try (Admin admin = kafka.admin()) {
            for (var e : admin.createTopics(topics).values().entrySet()) {
                try {
                    e.getValue().get(60, TimeUnit.SECONDS);
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + e.getKey() + ": " + ex.getCause(), ex.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("timed out creating topics", e);
        }
        kafka.awaitHealthy(Duration.ofSeconds(60));
    }

    /** The aggregation job's flags on this deployment; {@code extra} are appended (and win). */
    public List<String> aggregationArgs(int parallelism, String window, List<String> extra) {
        List<String> a = new ArrayList<>(List.of(
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--starting-offsets", "earliest",
                "--window", window,
                "--rollup-window", "0",
                "--checkpoint-interval", "2s",
                "--checkpoint-dir", flink.checkpointDir().toUri().toString(),
                "--state-backend", "rocksdb",
                "--parallelism", String.valueOf(parallelism),
                "--restart-attempts", "1000",
                // the watermark settings are the jobs' defaults (30 s idle partition, 5 s out-of-orderness):
                // a partition stalled by a fault, or read behind the others while a resumed job catches up,
                // must not be declared idle, or the watermark overtakes its records and they go to the dead
                // letters as late (seen with 3 s, and with 10 s on a heavily loaded machine)
                "--es", elasticsearch.urls(),
                "--es-replicas", "1",
                "--es-flush-interval", "500ms"));
        a.addAll(extra);
        return a;
    }

    public List<String> alertArgs(String window) {
        return List.of("--bootstrap-servers", kafka.bootstrapServers(),
                "--starting-offsets", "earliest",
                "--checkpoint-interval", "2s",
                "--checkpoint-dir", flink.checkpointDir().toUri().toString(),
                "--parallelism", "1",
                "--param", "aggregate_resolution=" + window,
                "--es", elasticsearch.urls(),
                "--es-replicas", "1",
                "--es-flush-interval", "500ms");
    }

    /** {@code flink run} of the aggregation job; returns its job id once it runs. */
    public String submitAggregation(int parallelism, String window, String fromSavepoint, List<String> extra) {
        String id = flink.run(jobsJar, AGGREGATION_MAIN, fromSavepoint, aggregationArgs(parallelism, window, extra));
        flink.awaitRunning(id, Duration.ofSeconds(180));
        return id;
    }

    /** {@code flink run} of the alert job; returns its job id once it runs. */
    public String submitAlerts(String window) {
        return submitAlerts(window, null);
    }

    /** {@code flink run [-s fromSavepoint]} of the alert job; returns its job id once it runs. */
    public String submitAlerts(String window, String fromSavepoint) {
        String id = flink.run(jobsJar, ALERT_MAIN, fromSavepoint, alertArgs(window));
        flink.awaitRunning(id, Duration.ofSeconds(180));
        return id;
    }

    /** Submits the aggregation job (at {@code parallelism}) and the alert job at once; returns their ids in that order. */
    public String[] submitBoth(int parallelism, String window) {
        String[] ids = new String[2];
        Parallel.run(List.of(() -> ids[0] = submitAggregation(parallelism, window, null, List.of()),
                () -> ids[1] = submitAlerts(window)));
        return ids;
    }

    public KafkaCluster kafka() {
        return kafka;
    }

    public FlinkCluster flink() {
        return flink;
    }

    public ZooKeeperServer zookeeper() {
        return zookeeper;
    }

    public ElasticsearchCluster elasticsearch() {
        return elasticsearch;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        // jobs' clients first, then what they write to
        if (flink != null) {
            flink.close();
        }
        if (zookeeper != null) {
            zookeeper.close();
        }
        if (elasticsearch != null) {
            elasticsearch.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args[0].equals("--help")) {
            System.err.println("usage: ReferenceCluster DIR JOBS_JAR   (starts 3 Kafka nodes, 2 Elasticsearch nodes, a Flink JobManager and "
                    + "2 TaskManagers under DIR, submits both jobs, runs until stopped)");
            System.exit(args.length < 2 ? 2 : 0);
        }
        ReferenceCluster c = start(Path.of(args[0]), Path.of(args[1]), Map.of());
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            c.close();
            done.countDown();
        }, "akmon-reference-shutdown"));
        String[] ids = c.submitBoth(1, "10s");
        String agg = ids[0];
        String alerts = ids[1];
        System.out.printf("{\"bootstrap_servers\":\"%s\",\"flink\":\"%s\",\"elasticsearch\":\"%s\",\"aggregation_job\":\"%s\",\"alert_job\":\"%s\"}%n",
                c.kafka.bootstrapServers(), c.flink.restUrl(), c.elasticsearch.urls(), agg, alerts);
        System.out.flush();
        done.await();
    }
}

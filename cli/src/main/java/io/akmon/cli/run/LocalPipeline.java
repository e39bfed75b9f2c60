package io.akmon.cli.run;

import io.akmon.schema.Durations;
import io.akmon.agent.Agent;
import io.akmon.agent.AgentSettings;
import io.akmon.agent.host.HostIdentity;
import io.akmon.agent.publish.KafkaSink;
import io.akmon.agent.publish.KafkaSinkConfig;
import io.akmon.agent.security.PrivateDirectory;
import io.akmon.embedded.EmbeddedElasticsearch;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.flink.alert.AlertJob;
import io.akmon.flink.alert.AlertOptions;
import io.akmon.flink.alert.RulesAudit;
import io.akmon.flink.audit.AuditIndex;
import io.akmon.flink.sink.es.ElasticsearchSinks;
import io.akmon.agent.security.AuditRecord;
import io.akmon.agent.security.Capabilities;
import io.akmon.agent.security.Hardening;
import io.akmon.flink.sink.es.IndexNames;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;
import org.apache.flink.streaming.api.graph.StreamGraph;
import picocli.CommandLine;
import io.akmon.flink.AggregationJob;
import io.akmon.flink.config.JobOptions;
import io.akmon.flink.sink.KafkaSinks;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.time.Duration;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The whole pipeline on one machine: a real Kafka broker, a real Elasticsearch node, the Flink
 * aggregation and alert jobs in one MiniCluster (writing to Kafka and Elasticsearch), and the agent
 * producing into Kafka. Components start in dependency order with progress on {@code log};
 * {@link #close()} stops them in reverse, agent first so nothing is produced into a stopped broker.
 */
public final class LocalPipeline implements AutoCloseable {
    public static final String AGGREGATES_TOPIC = "akmon.aggregates";
    /** The open windows' live partials, which the view shows until the final documents replace them. */
    public static final String LIVE_TOPIC = "akmon.aggregates.live";
    public static final String ALERTS_TOPIC = "akmon.alerts";
    public static final String AGENT_TOPIC = "akmon.agent";
    /** The agent's and the alert job's audit records; indexed into Elasticsearch ({@link AuditIndex}). */
    public static final String AUDIT_TOPIC = "akmon.audit";
    static final String TLS_LISTENER = "TLS";
    public static final String AGGREGATION_GROUP = "akmon-aggregation";

    /** What to start, and where its data lives. */
    public static final class Options {
        public Path dataDir = Path.of("/var/lib/akmon/local");
        public AgentSettings agent = new AgentSettings();
        public String window = "10s";
        public String checkpointInterval = "2s";
        public int partitions = 2;
        /** Every Kafka client of the pipeline connects over TLS, to a listener of its own (see {@link #tlsListener}). */
        public boolean tls;
    }

    /** A component that failed to start, by name, with the reason. */
    public static final class StartException extends RuntimeException {
        public final String component;

        StartException(String component, Throwable cause) {
            super(component + " failed to start: " + describe(cause), cause);
            this.component = component;
        }

        static String describe(Throwable t) {
            if (t instanceof io.akmon.agent.loader.ProbeException p) {
                return p.oneLine();
            }
            Throwable root = t;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return root == t ? String.valueOf(t.getMessage()) : t.getMessage() + " (" + root + ")";
        }
    }

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final PrintStream log;
    private EmbeddedKafka kafka;
    private EmbeddedElasticsearch elasticsearch;
    private MiniCluster flink;
    private final List<JobClient> jobs = new ArrayList<>();
    private Agent agent;
    private KafkaSink sink;
    private KafkaSinkConfig sinkConfig;
    /** What the pipeline's Kafka clients use: the TLS listener with --tls, else the plaintext one. */
    private String clientBootstrap;
    private java.util.Map<String, String> clientProperties = java.util.Map.of();
    private Path caPem;
    private int flinkRestPort;
    private volatile boolean stopping;
    private volatile String jobFailure;

    private LocalPipeline(PrintStream log) {
        this.log = log;
    }

    public static LocalPipeline start(Options o, PrintStream log) {
        LocalPipeline p = new LocalPipeline(log);
        try {
            p.startAll(o);
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private interface Step<T> {
        T run() throws Exception;
    }

    private <T> T step(String name, Step<T> s) {
        long t0 = System.nanoTime();
        log.printf("akmon run: starting %-15s ...%n", name);
        try {
            T result = s.run();
            log.printf("akmon run: %-15s ready (%.1f s)%n", name, (System.nanoTime() - t0) / 1e9);
            return result;
        } catch (Exception e) {
            throw new StartException(name, e);
        }
    }

    private void startAll(Options o) {
        step("data directory", () -> PrivateDirectory.prepare(o.dataDir, "data directory", "--data-dir"));
        kafka = step("kafka", () -> EmbeddedKafka.start(o.dataDir.resolve("kafka"),
                o.tls ? tlsListener(o.dataDir, EmbeddedKafka.Options.defaults().partitions(o.partitions))
                        : EmbeddedKafka.Options.defaults().partitions(o.partitions)));
        started.push(kafka);
        clientBootstrap = o.tls ? kafka.listenerAddress(TLS_LISTENER) : kafka.bootstrapServers();
        kafka.createTopics(o.partitions, AGGREGATES_TOPIC, LIVE_TOPIC, ALERTS_TOPIC, "akmon.deadletter", AUDIT_TOPIC);

        elasticsearch = step("elasticsearch", () -> EmbeddedElasticsearch.start(o.dataDir.resolve("elasticsearch")));
        started.push(elasticsearch);

        sink = step("kafka sink", () -> {
            KafkaSinkConfig c = new KafkaSinkConfig();
            c.bootstrap = clientBootstrap;
            c.properties.putAll(clientProperties);
            c.partitions = o.partitions;
            c.spoolDir = o.dataDir.resolve("spool").toString();
            c.healthIntervalMs = 2000;
            HostIdentity id = HostIdentity.local(o.agent.host);
            sinkConfig = c.validate();
            return KafkaSink.open(sinkConfig, id.host(), id.bootId(), log);
        });
        started.push(sink); // opening it creates the agent's topics, which the jobs subscribe to

        JobOptions aggregation = aggregationOptions(o);
        flink = step("flink", () -> startFlink(aggregation));
        started.push(flink);
        jobs.add(step("aggregation job", () -> submit(aggregationGraph(aggregation), "aggregation job")));
        jobs.add(step("alert job", () -> submit(alertGraph(o), "alert job")));
        jobs.add(step("audit index job", () -> submit(auditGraph(aggregation), "audit index job")));
        started.push(() -> {
            stopping = true;
            for (JobClient job : jobs) {
                if (!job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
                    job.cancel().get(30, TimeUnit.SECONDS);
                }
            }
        });

        agent = step("agent", () -> Agent.start(o.agent, sink, log));
        sink.healthExtras(agent::healthFigures);
        sink.progress(agent::progress);
        started.push(agent);
        // a submitted job deploys its tasks afterwards (seconds on a loaded machine): "up" means they all run,
        // so the first event after it is read at once rather than queued behind the deployment
        step("job tasks", () -> {
            awaitTasksRunning(Duration.ofMinutes(3));
            return null;
        });
        // This process also runs Kafka, Elasticsearch and Flink, so it keeps its capabilities and has no
        // system call filter; the audit record says so.
        String caps = Capabilities.names(Capabilities.ofCurrentThread().effective());
        AuditRecord.emit(sink, o.agent, sinkConfig, null, agent, new Hardening.Result(caps, caps, false, 0));
    }

    /**
     * A TLS listener beside the plaintext one (which stays for the broker's own controller traffic, on
     * loopback): a CA and the broker's certificate made afresh for this run in {@code <data-dir>/pki}.
     */
    private EmbeddedKafka.Options tlsListener(Path dataDir, EmbeddedKafka.Options options) throws IOException {
        Path pki = dataDir.resolve("pki");
        if (Files.exists(pki)) {
            try (var old = Files.walk(pki)) {
                for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(pki);
        io.akmon.embedded.Certificates ca = io.akmon.embedded.Certificates.authority(pki, "akmon-run-ca");
        Path broker = ca.keystore("akmon-run-broker");
        caPem = ca.caPem();
        clientProperties = java.util.Map.of("security.protocol", "SSL", "ssl.truststore.location", caPem.toString(),
                "ssl.truststore.type", "PEM");
        return options.listener(TLS_LISTENER, "SSL")
                .brokerProperty("ssl.keystore.location", broker.toString())
                .brokerProperty("ssl.keystore.type", "PKCS12")
                .brokerProperty("ssl.keystore.password", ca.password())
                .brokerProperty("ssl.key.password", ca.password());
    }

    /** The jobs' named TLS options for the client listener, none without --tls. */
    private List<String> kafkaTls() {
        return caPem == null ? List.of() : List.of("--kafka-ca", caPem.toString());
    }

    private JobOptions aggregationOptions(Options o) {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", clientBootstrap,
                "--starting-offsets", "earliest",
                "--window", Durations.normalize(o.window),
                "--checkpoint-interval", o.checkpointInterval,
                "--checkpoint-dir", o.dataDir.resolve("checkpoints").toUri().toString(),
                "--idle-partition-timeout", "5s",
                "--out-of-orderness", "2s",
                "--parallelism", "1",
                "--es", elasticsearch.httpUrl(),
                // the open window's live partials reach Elasticsearch and the live topic within about 0.75 s
                // of a record, searchable at once: the view and Grafana show the open window
                "--live-interval", "500ms",
                "--es-flush-interval", "250ms",
                "--es-refresh-on-write",
                "--live-topic", LIVE_TOPIC));
        args.addAll(kafkaTls());
        return JobOptions.parse(args.toArray(String[]::new));
    }

    /** One MiniCluster for both jobs, as on a real cluster: one REST endpoint shows both. */
    private MiniCluster startFlink(JobOptions options) throws Exception {
        Configuration conf = AggregationJob.flinkConfiguration(options);
        flinkRestPort = freePort();
        conf.set(RestOptions.PORT, flinkRestPort);
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        // loopback only: the blob server and the task manager's data port listen on every interface by default
        conf.set(JobManagerOptions.BIND_HOST, "127.0.0.1");
        conf.set(JobManagerOptions.ADDRESS, "127.0.0.1");
        conf.set(TaskManagerOptions.BIND_HOST, "127.0.0.1");
        conf.set(TaskManagerOptions.HOST, "127.0.0.1");
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(4)
                .build());
        cluster.start();
        return cluster;
    }

    private JobGraph aggregationGraph(JobOptions options) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(AggregationJob.flinkConfiguration(options));
        new AggregationJob(options, AggregationJob.kafkaSource(options), AggregationJob.aggregateSinks(options),
                KafkaSinks.deadLetters(options)).build(env);
        return jobGraph(env, options.jobName);
    }

    private JobGraph alertGraph(Options o) {
        AlertOptions options = new AlertOptions();
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", clientBootstrap,
                "--starting-offsets", "earliest",
                "--checkpoint-interval", o.checkpointInterval,
                "--idle-partition-timeout", "5s",
                "--out-of-orderness", "2s",
                "--parallelism", "1",
                "--param", "aggregate_resolution=" + Durations.normalize(o.window),
                "--es", elasticsearch.httpUrl(),
                // alerts go to Elasticsearch without waiting for a checkpoint: flush them soon
                "--es-flush-interval", "200ms"));
        args.addAll(kafkaTls());
        new CommandLine(options).parseArgs(args.toArray(String[]::new));
        options.validate(); // merges the named TLS options into the Kafka properties
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        io.akmon.flink.alert.rules.RuleSet rules = AlertJob.loadRules(options);
        RulesAudit.publish(options, rules); // as the job's main does: who started which rules, into akmon.audit
        new AlertJob(options, rules, AlertJob.eventSource(options, null, null),
                AlertJob.aggregateSource(options, null, null), AlertJob.sinks(options)).configure(env);
        return jobGraph(env, options.jobName);
    }

    /** akmon.audit into its own Elasticsearch indices, beside the metrics and alerts. */
    private JobGraph auditGraph(JobOptions aggregation) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        AuditIndex.build(env, AuditIndex.source(clientBootstrap, aggregation.kafkaProperties, AUDIT_TOPIC, "akmon-audit-index"),
                aggregation.es, ElasticsearchSinks.kafkaDeadLetters(aggregation.es, clientBootstrap, aggregation.kafkaProperties));
        return jobGraph(env, "akmon-audit-index");
    }

    private static JobGraph jobGraph(StreamExecutionEnvironment env, String name) {
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(name);
        return graph.getJobGraph();
    }

    private JobClient submit(JobGraph graph, String name) throws Exception {
        flink.submitJob(graph).get(60, TimeUnit.SECONDS);
        JobClient client = new MiniClusterJobClient(graph.getJobID(), flink, LocalPipeline.class.getClassLoader(),
                MiniClusterJobClient.JobFinalizationBehavior.NOTHING);
        // a job that fails for good is named with its reason, not left for the user to discover
        client.getJobExecutionResult().whenComplete((result, error) -> {
            if (error != null && !stopping) {
                jobFailure = name + ": " + StartException.describe(error);
                log.println("akmon run: the " + name + " stopped: " + StartException.describe(error));
            }
        });
        return client;
    }

    private void awaitTasksRunning(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String waiting = "";
        while (System.nanoTime() < deadline) {
            if (jobFailure != null) {
                throw new IllegalStateException(jobFailure);
            }
            waiting = notRunning();
            if (waiting.isEmpty()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("tasks still not running after " + timeout.toSeconds() + " s: " + waiting
                + "; fix: see the Flink warnings in akmon.log in the data directory");
    }

    /** The jobs with a task that is not running yet, with their task states; empty once every task runs. */
    private String notRunning() throws Exception {
        List<String> waiting = new ArrayList<>();
        for (JobClient job : jobs) {
            AccessExecutionGraph graph = flink.getExecutionGraph(job.getJobID()).get(10, TimeUnit.SECONDS);
            java.util.Map<ExecutionState, Integer> states = new java.util.EnumMap<>(ExecutionState.class);
            for (var vertex : graph.getAllExecutionVertices()) {
                states.merge(vertex.getExecutionState(), 1, Integer::sum);
            }
            if (graph.getState() != JobStatus.RUNNING || states.keySet().stream().anyMatch(s -> s != ExecutionState.RUNNING)) {
                waiting.add(graph.getJobName() + " " + graph.getState() + " " + states);
            }
        }
        return String.join(", ", waiting);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Where the pipeline's Kafka clients connect: the TLS listener with --tls. */
    public String bootstrapServers() {
        return clientBootstrap;
    }

    /** The broker's plaintext listener (loopback), for the operator's tools. */
    public String kafkaPlaintextListener() {
        return kafka.bootstrapServers();
    }

    /** The Kafka client properties that go with {@link #bootstrapServers()}: TLS with --tls, else none. */
    public java.util.Map<String, String> clientProperties() {
        return clientProperties;
    }

    public String elasticsearchUrl() {
        return elasticsearch.httpUrl();
    }

    /** The aliases Grafana and {@code akmon top} read: every dated index of a family behind one name. */
    public List<String> elasticsearchAliases() {
        IndexNames names = IndexNames.defaults();
        return List.of(names.alias(IndexNames.METRICS), names.alias(IndexNames.ALERTS), names.alias(AuditIndex.FAMILY));
    }

    public String flinkRestUrl() {
        return "http://127.0.0.1:" + flinkRestPort;
    }

    /** Why the Flink job stopped, or null while it runs. */
    public String jobFailure() {
        return jobFailure;
    }

    public Agent agent() {
        return agent;
    }

    public KafkaSink sink() {
        return sink;
    }

    public List<String> viewTopics() {
        return List.of(AGGREGATES_TOPIC, LIVE_TOPIC, ALERTS_TOPIC, AGENT_TOPIC);
    }

    /** Stops every component that started, newest first; reports but survives a failing stop. */
    @Override
    public void close() {
        while (!started.isEmpty()) {
            AutoCloseable c = started.pop();
            try {
                c.close();
            } catch (Exception e) {
                log.println("akmon run: stopping " + c + " failed: " + e);
            }
        }
    }
}

package io.akmon.cli.run;

import io.akmon.agent.Agent;
import io.akmon.agent.AgentSettings;
import io.akmon.agent.host.HostIdentity;
import io.akmon.agent.publish.KafkaSink;
import io.akmon.agent.publish.KafkaSinkConfig;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.flink.AggregationJob;
import io.akmon.flink.config.JobOptions;
import io.akmon.flink.sink.KafkaSinks;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The whole pipeline on one machine: a real Kafka broker, the Flink jobs in a MiniCluster, and the
 * agent producing into Kafka. Components start in dependency order with progress on {@code log};
 * {@link #close()} stops them in reverse, agent first so nothing is produced into a stopped broker.
 */
public final class LocalPipeline implements AutoCloseable {
    public static final String AGGREGATES_TOPIC = "akmon.aggregates";
    public static final String ALERTS_TOPIC = "akmon.alerts";
    public static final String AGENT_TOPIC = "akmon.agent";
    public static final String AGGREGATION_GROUP = "akmon-aggregation";

    /** What to start, and where its data lives. */
    public static final class Options {
        public Path dataDir = Path.of("/var/lib/akmon/local");
        public AgentSettings agent = new AgentSettings();
        public String window = "10s";
        public String checkpointInterval = "2s";
        public int partitions = 2;
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
    private JobClient job;
    private Agent agent;
    private KafkaSink sink;
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
        log.printf("akmon run: starting %-14s ...%n", name);
        try {
            T result = s.run();
            log.printf("akmon run: %-14s ready (%.1f s)%n", name, (System.nanoTime() - t0) / 1e9);
            return result;
        } catch (Exception e) {
            throw new StartException(name, e);
        }
    }

    private void startAll(Options o) {
        step("data directory", () -> Files.createDirectories(o.dataDir));
        kafka = step("kafka", () -> EmbeddedKafka.start(o.dataDir.resolve("kafka"),
                EmbeddedKafka.Options.defaults().partitions(o.partitions)));
        started.push(kafka);
        kafka.createTopics(o.partitions, AGGREGATES_TOPIC, ALERTS_TOPIC, "akmon.deadletter");

        sink = step("kafka sink", () -> {
            KafkaSinkConfig c = new KafkaSinkConfig();
            c.bootstrap = kafka.bootstrapServers();
            c.partitions = o.partitions;
            c.spoolDir = o.dataDir.resolve("spool").toString();
            c.healthIntervalMs = 2000;
            HostIdentity id = HostIdentity.local(o.agent.host);
            return KafkaSink.open(c.validate(), id.host(), id.bootId(), log);
        });
        started.push(sink); // opening it creates the agent's topics, which the job subscribes to
        job = step("flink jobs", () -> startJobs(o));
        started.push(() -> {
            stopping = true;
            if (!job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        });
        // a job that fails for good is named with its reason, not left for the user to discover
        job.getJobExecutionResult().whenComplete((result, error) -> {
            if (error != null && !stopping) {
                jobFailure = StartException.describe(error);
                log.println("akmon run: the Flink job stopped: " + jobFailure);
            }
        });

        agent = step("agent", () -> Agent.start(o.agent, sink, log));
        started.push(agent);
    }

    private JobClient startJobs(Options o) throws Exception {
        JobOptions options = JobOptions.parse("--bootstrap-servers", kafka.bootstrapServers(),
                "--starting-offsets", "earliest",
                "--window", o.window,
                "--checkpoint-interval", o.checkpointInterval,
                "--checkpoint-dir", o.dataDir.resolve("checkpoints").toUri().toString(),
                "--idle-partition-timeout", "5s",
                "--out-of-orderness", "2s",
                "--parallelism", "1");
        Configuration conf = AggregationJob.flinkConfiguration(options);
        flinkRestPort = freePort();
        conf.set(RestOptions.PORT, flinkRestPort);
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, 4);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        AggregationJob aggregation = new AggregationJob(options, AggregationJob.kafkaSource(options),
                KafkaSinks.aggregates(options), KafkaSinks.deadLetters(options));
        aggregation.build(env);
        return env.executeAsync("akmon-local");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
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
        return List.of(AGGREGATES_TOPIC, ALERTS_TOPIC, AGENT_TOPIC);
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

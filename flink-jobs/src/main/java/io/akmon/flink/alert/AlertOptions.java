package io.akmon.flink.alert;

import io.akmon.flink.config.CommandLines;
import io.akmon.flink.config.JobOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import io.akmon.flink.sink.es.EsSinkOptions;

import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Options of the alert job. */
@Command(name = "akmon-alert-job", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluates alert rules (CEP patterns from a rules file) over akmon events and aggregates "
                + "from Kafka and writes alerts to Kafka and Elasticsearch. Refuses to start on an invalid rules file.")
public class AlertOptions implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String COMMAND = "akmon-alert-job";

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file with option values (keys = long option names without dashes); flags win.")
    public java.io.File configFile;

    @Option(names = "--rules", paramLabel = "FILE",
            description = "Rules file (YAML). Default: the default rules shipped in the job.")
    public Path rulesFile;

    @Option(names = "--param", paramLabel = "NAME=VALUE",
            description = "Override a parameter of the rules file (repeatable), e.g. cpu_pct=95.")
    public Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092",
            description = "Kafka bootstrap servers. Default: ${DEFAULT-VALUE}.")
    public String bootstrapServers;

    @Option(names = "--topics", split = ",", defaultValue = JobOptions.DEFAULT_TOPICS,
            description = "Event topics. Default: ${DEFAULT-VALUE}.")
    public List<String> topics = new ArrayList<>();

    @Option(names = "--aggregates-topic", defaultValue = "akmon.aggregates",
            description = "Topic of the aggregation job's aggregates; empty to use events only. Default: ${DEFAULT-VALUE}.")
    public String aggregatesTopic;

    @Option(names = "--alerts-topic", defaultValue = "akmon.alerts",
            description = "Topic alerts are written to (key = alert id). Default: ${DEFAULT-VALUE}.")
    public String alertsTopic;

    @Option(names = "--group-id", defaultValue = "akmon-alerts",
            description = "Kafka consumer group. Default: ${DEFAULT-VALUE}.")
    public String groupId;

    @Option(names = "--starting-offsets", defaultValue = "latest",
            description = "Where to start without a checkpoint or savepoint: committed, earliest, latest. Default: ${DEFAULT-VALUE}.")
    public String startingOffsets;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka client setting for sources and sink (repeatable).")
    public Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--exactly-once", negatable = true, defaultValue = "true",
            description = "Write alerts in Kafka transactions committed on checkpoints (visible to read_committed readers at each checkpoint). Default: ${DEFAULT-VALUE}.")
    public boolean exactlyOnce;

    @Option(names = "--transactional-id-prefix", defaultValue = "akmon-alerts",
            description = "Prefix of the alert sink's Kafka transactional ids. Default: ${DEFAULT-VALUE}.")
    public String transactionalIdPrefix;

    @Option(names = "--out-of-orderness", defaultValue = "5s", converter = JobOptions.DurationConverter.class,
            description = "Event-time disorder tolerated within a partition. Default: ${DEFAULT-VALUE}.")
    public Duration outOfOrderness;

    @Option(names = "--idle-partition-timeout", defaultValue = "30s", converter = JobOptions.DurationConverter.class,
            description = "A partition silent this long stops holding back event time. Default: ${DEFAULT-VALUE}.")
    public Duration idlePartitionTimeout;

    @Option(names = "--checkpoint-interval", defaultValue = "10s", converter = JobOptions.DurationConverter.class,
            description = "Checkpoint interval. Default: ${DEFAULT-VALUE}.")
    public Duration checkpointInterval;

    @Option(names = "--checkpoint-dir", paramLabel = "URI", description = "Durable checkpoint storage.")
    public String checkpointDir;

    @Option(names = "--state-backend", defaultValue = "heap",
            description = "heap (fast, state on the JVM heap) or rocksdb (large state on local disk). Default: ${DEFAULT-VALUE}.")
    public String stateBackend = "heap";

    @Option(names = "--restart-attempts", defaultValue = "10",
            description = "Restarts from the last checkpoint before the job fails. Default: ${DEFAULT-VALUE}.")
    public int restartAttempts = 10;

    @Option(names = "--dead-letter-topic", defaultValue = "akmon.deadletter",
            description = "Topic for records the job cannot use (bad, too large, duplicate-free but too late, undecodable aggregates). Default: ${DEFAULT-VALUE}.")
    public String deadLetterTopic = "akmon.deadletter";

    @Option(names = "--audit-topic", paramLabel = "TOPIC", defaultValue = "akmon.audit",
            description = "Topic of the audit record written at start: who started the job, where, when, the rules file's SHA-256 "
                    + "and the rules added, changed or removed since the previous start. Default: ${DEFAULT-VALUE}.")
    public String auditTopic = "akmon.audit";

    @Option(names = "--audit", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Write that audit record; the job does not start if it cannot. Default: ${DEFAULT-VALUE}.")
    public boolean audit = true;

    @Option(names = "--max-record-size", defaultValue = "1mb", converter = JobOptions.SizeConverter.class, paramLabel = "SIZE",
            description = "Records larger than this go to the dead-letter topic unparsed. Default: ${DEFAULT-VALUE}.")
    public long maxRecordBytes = io.akmon.flink.ingest.EnvelopeDeserializer.DEFAULT_MAX_RECORD_BYTES;

    @Option(names = "--dedup-hold", defaultValue = "1m", converter = JobOptions.DurationConverter.class,
            description = "How long (event time) deduplication keeps an out-of-order gap in a (host, boot, cpu) sequence open. Default: ${DEFAULT-VALUE}.")
    public Duration dedupHold = Duration.ofMinutes(1);

    @Option(names = "--stream-idle-timeout", defaultValue = "1h", converter = JobOptions.DurationConverter.class,
            description = "Forget the dedup state of a (host, boot, cpu) stream silent this long. Default: ${DEFAULT-VALUE}.")
    public Duration streamIdleTimeout = Duration.ofHours(1);

    @Option(names = "--parallelism", defaultValue = "0", description = "0 keeps the cluster's default.")
    public int parallelism;

    @Option(names = "--job-name", defaultValue = "akmon-alerts", description = "Default: ${DEFAULT-VALUE}.")
    public String jobName;

    @Option(names = "--sinks", split = ",", defaultValue = "kafka,elasticsearch", paramLabel = "LIST",
            description = "Where alerts go: kafka (--alerts-topic), elasticsearch (dated alert indices, see --es-*). Default: ${DEFAULT-VALUE}.")
    public List<String> sinks = new ArrayList<>(List.of("kafka", "elasticsearch"));

    @Mixin
    public EsSinkOptions es = new EsSinkOptions();

    /** TLS, mTLS and SASL of the Kafka source and sinks; merged into {@link #kafkaProperties} by validate(). */
    @Mixin
    public io.akmon.schema.security.KafkaSecurityOptions kafkaSecurity = new io.akmon.schema.security.KafkaSecurityOptions();

    /**
     * Parses flags, with defaults from the --config file. Returns null after --help/--version. Bad usage
     * throws {@link CommandLines.UsageException} whose message is the one line to print.
     */
    public static AlertOptions parse(String... args) {
        return CommandLines.parseValid(COMMAND, new AlertOptions(), AlertOptions::validate, args);
    }

    public void validate() {
        CommandLines.checkShared(kafkaSecurity, kafkaProperties, sinks, stateBackend, startingOffsets);
        if (streamIdleTimeout.compareTo(dedupHold) <= 0) {
            throw new IllegalArgumentException("--stream-idle-timeout must be longer than --dedup-hold");
        }
        if (dedupHold.isZero() || dedupHold.isNegative()) {
            throw new IllegalArgumentException("--dedup-hold must be positive");
        }
    }
}

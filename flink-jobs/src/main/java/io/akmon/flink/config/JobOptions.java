package io.akmon.flink.config;

import io.akmon.schema.Durations;
import io.akmon.schema.Sizes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import io.akmon.flink.sink.es.EsSinkOptions;
import io.akmon.flink.ingest.EnvelopeDeserializer;

import java.io.File;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Options of the aggregation job, from command-line flags or a properties file ({@code --config}) whose
 * keys are the long option names without dashes, e.g. {@code bootstrap-servers=kafka:9092}. Flags win
 * over the file.
 */
@Command(name = "akmon-aggregation-job", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Aggregates akmon kernel event records from Kafka into exact per-process, per-host "
                + "and cluster metrics per window, written to Kafka and Elasticsearch.")
public class JobOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String DEFAULT_TOPICS = "akmon.fork,akmon.exec,akmon.exit,akmon.syscall,akmon.cpu,"
            + "akmon.memory,akmon.disk,akmon.net,akmon.lost,akmon.agent,akmon.host,akmon.file";

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file with option values (keys = long option names without dashes).")
    public File configFile;

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092",
            description = "Kafka bootstrap servers. Default: ${DEFAULT-VALUE}.")
    public String bootstrapServers;

    @Option(names = "--topics", split = ",", defaultValue = DEFAULT_TOPICS,
            description = "Comma-separated input topics. Default: one per record family, ${DEFAULT-VALUE}.")
    public List<String> topics = new ArrayList<>();

    @Option(names = "--topic-pattern", paramLabel = "REGEX",
            description = "Subscribe to every topic matching this regex instead of --topics, e.g. 'akmon\\.(?!aggregates|deadletter).*'.")
    public String topicPattern;

    @Option(names = "--group-id", defaultValue = "akmon-aggregation",
            description = "Kafka consumer group (offsets are committed on checkpoints). Default: ${DEFAULT-VALUE}.")
    public String groupId;

    @Option(names = "--starting-offsets", defaultValue = "committed",
            description = "Where to start without a checkpoint: committed (falls back to earliest), earliest, latest. Default: ${DEFAULT-VALUE}.")
    public String startingOffsets;

    @Option(names = "--bounded", defaultValue = "false",
            description = "Stop at the offsets that are latest when the job starts (replay a backlog, then finish).")
    public boolean bounded;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka client setting for the source and both sinks (repeatable), e.g. security.protocol=SSL.")
    public Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--aggregates-topic", defaultValue = "akmon.aggregates",
            description = "Topic for aggregate documents (key = document id). Default: ${DEFAULT-VALUE}.")
    public String aggregatesTopic;

    @Option(names = "--live-topic", defaultValue = "akmon.aggregates.live",
            description = "Topic for the open windows' live partial documents (final: false, key = the id the final document then has in the aggregates topic), written at least once; empty sends none there. Default: ${DEFAULT-VALUE}.")
    public String liveTopic;

    @Option(names = "--dead-letter-topic", defaultValue = "akmon.deadletter",
            description = "Topic for records that cannot be used (bad, unknown, future schema, too late). Default: ${DEFAULT-VALUE}.")
    public String deadLetterTopic;

    @Option(names = "--transactional-id-prefix", defaultValue = "akmon-aggregation",
            description = "Prefix of the Kafka transactional ids of the exactly-once sinks; unique per running job. Default: ${DEFAULT-VALUE}.")
    public String transactionalIdPrefix;

    @Option(names = "--window", defaultValue = "10s", converter = DurationConverter.class,
            description = "Tumbling window size. Default: ${DEFAULT-VALUE}.")
    public Duration window;

    @Option(names = "--rollup-window", defaultValue = "1m", converter = DurationConverter.class,
            description = "Size of the second, coarser set of windows; 0 disables it. Default: ${DEFAULT-VALUE}.")
    public Duration rollupWindow;

    @Option(names = "--allowed-lateness", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long after a window closes a late record still updates it; later records go to the dead-letter topic. Default: ${DEFAULT-VALUE}.")
    public Duration allowedLateness;

    @Option(names = "--live-interval", defaultValue = "1s", converter = DurationConverter.class,
            description = "How often the open windows' live partial documents (final: false) go to Elasticsearch, replaced in place by the final ones, and to --live-topic; 0 sends none. The aggregates topic gets final documents only. Default: ${DEFAULT-VALUE}.")
    public Duration liveInterval = Duration.ofSeconds(1);

    @Option(names = "--out-of-orderness", defaultValue = "5s", converter = DurationConverter.class,
            description = "Event-time disorder tolerated within a Kafka partition before the watermark passes a record. Default: ${DEFAULT-VALUE}.")
    public Duration outOfOrderness;

    @Option(names = "--idle-partition-timeout", defaultValue = "30s", converter = DurationConverter.class,
            description = "A partition without records for this long stops holding back the watermark. Default: ${DEFAULT-VALUE}.")
    public Duration idlePartitionTimeout;

    @Option(names = "--max-clock-skew", defaultValue = "1h", converter = DurationConverter.class,
            description = "Records with an event time further ahead of this machine's clock go to the dead-letter topic: one host with a wild clock must not push the watermark past everyone's records. Default: ${DEFAULT-VALUE}.")
    public Duration maxClockSkew;

    @Option(names = "--max-record-size", defaultValue = "1mb", converter = SizeConverter.class, paramLabel = "SIZE",
            description = "Records larger than this go to the dead-letter topic unparsed (the agent's stay below 16kb). Default: ${DEFAULT-VALUE}.")
    public long maxRecordBytes = EnvelopeDeserializer.DEFAULT_MAX_RECORD_BYTES;

    @Option(names = "--dedup-hold", converter = DurationConverter.class,
            description = "How long (event time) deduplication keeps an out-of-order gap open for its missing record; at least window + allowed lateness, the default.")
    public Duration dedupHold;

    @Option(names = "--stream-idle-timeout", defaultValue = "1h", converter = DurationConverter.class,
            description = "Forget the dedup and sequence state of a (host, boot, cpu) stream silent this long. Default: ${DEFAULT-VALUE}.")
    public Duration streamIdleTimeout;

    @Option(names = "--process-idle-timeout", defaultValue = "10m", converter = DurationConverter.class,
            description = "A process without records this long no longer counts as live (its exit may have been lost). Default: ${DEFAULT-VALUE}.")
    public Duration processIdleTimeout;

    @Option(names = "--checkpoint-interval", defaultValue = "10s", converter = DurationConverter.class,
            description = "Exactly-once checkpoint interval; aggregates become visible to read_committed readers at each checkpoint. Default: ${DEFAULT-VALUE}.")
    public Duration checkpointInterval;

    @Option(names = "--checkpoint-dir", paramLabel = "URI",
            description = "Durable checkpoint storage, e.g. file:///var/lib/akmon/checkpoints; without it checkpoints live in the JobManager's memory.")
    public String checkpointDir;

    @Option(names = "--state-backend", defaultValue = "heap",
            description = "heap (fast, state on the JVM heap) or rocksdb (large state on local disk). Default: ${DEFAULT-VALUE}.")
    public String stateBackend;

    @Option(names = "--parallelism", defaultValue = "0",
            description = "Job parallelism; 0 keeps the cluster's default. Default: ${DEFAULT-VALUE}.")
    public int parallelism;

    @Option(names = "--restart-attempts", defaultValue = "10",
            description = "Restarts from the last checkpoint before the job fails. Default: ${DEFAULT-VALUE}.")
    public int restartAttempts;

    @Option(names = "--job-name", defaultValue = "akmon-aggregation", description = "Default: ${DEFAULT-VALUE}.")
    public String jobName;

    @Option(names = "--sinks", split = ",", defaultValue = "kafka,elasticsearch", paramLabel = "LIST",
            description = "Where aggregates go: kafka (the aggregates topic), elasticsearch (dated indices, see --es-*). Default: ${DEFAULT-VALUE}.")
    public List<String> sinks = new ArrayList<>(List.of("kafka", "elasticsearch"));

    @Mixin
    public EsSinkOptions es = new EsSinkOptions();

    /** TLS, mTLS and SASL of the Kafka source and sinks; merged into {@link #kafkaProperties} by validate(). */
    @Mixin
    public io.akmon.schema.security.KafkaSecurityOptions kafkaSecurity = new io.akmon.schema.security.KafkaSecurityOptions();

    public boolean sinksTo(String sink) {
        return sinks.contains(sink);
    }

    public static final String COMMAND = "akmon-aggregation-job";

    /**
     * Parses flags, reading defaults from the --config file when given. Returns null after --help/--version.
     * Bad usage throws {@link CommandLines.UsageException} whose message is the one line to print.
     */
    public static JobOptions parse(String... args) {
        return CommandLines.parseValid(COMMAND, new JobOptions(), JobOptions::validate, args);
    }

    public static String usage() {
        return new CommandLine(new JobOptions()).getUsageMessage();
    }

    public void validate() {
        CommandLines.checkShared(kafkaSecurity, kafkaProperties, sinks, stateBackend, startingOffsets);
        if (window.isZero() || window.isNegative()) {
            throw new IllegalArgumentException("--window must be positive");
        }
        if (liveInterval.isNegative()) {
            throw new IllegalArgumentException("--live-interval must be 0 (no live partials) or more, got " + liveInterval);
        }
        if (!rollupWindow.isZero() && rollupWindow.toMillis() % window.toMillis() != 0) {
            throw new IllegalArgumentException("--rollup-window must be a multiple of --window");
        }
        if (dedupHold != null && dedupHold.compareTo(window.plus(allowedLateness)) < 0) {
            throw new IllegalArgumentException("--dedup-hold must be at least window + allowed lateness");
        }
    }

    public Duration dedupHoldOrDefault() {
        return dedupHold != null ? dedupHold : window.plus(allowedLateness);
    }

    /** The window sizes to compute: the base window and, unless disabled, the roll-up. */
    public List<Duration> resolutions() {
        List<Duration> r = new ArrayList<>();
        r.add(window);
        if (!rollupWindow.isZero() && !rollupWindow.equals(window)) {
            r.add(rollupWindow);
        }
        return r;
    }

    /** "10s", "1m", "1h", "500ms": the label used in document ids and uids. */
    public static String label(Duration d) {
        return Durations.format(d);
    }

    /** akmon's one duration grammar ({@link Durations}): 500ms, 10s, 1m, 1h, 1d. */
    public static class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** akmon's one size grammar ({@link Sizes}): 65536, 64kb, 1mb. */
    public static class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Sizes.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}

package io.akmon.flink.alert;

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

    @Option(names = "--parallelism", defaultValue = "0", description = "0 keeps the cluster's default.")
    public int parallelism;

    @Option(names = "--job-name", defaultValue = "akmon-alerts", description = "Default: ${DEFAULT-VALUE}.")
    public String jobName;

    @Option(names = "--sinks", split = ",", defaultValue = "kafka,elasticsearch", paramLabel = "LIST",
            description = "Where alerts go: kafka (--alerts-topic), elasticsearch (dated alert indices, see --es-*). Default: ${DEFAULT-VALUE}.")
    public List<String> sinks = new ArrayList<>(List.of("kafka", "elasticsearch"));

    @Mixin
    public EsSinkOptions es = new EsSinkOptions();
}

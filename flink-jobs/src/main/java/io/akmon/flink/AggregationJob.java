package io.akmon.flink;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.aggregate.AggregateTypeInfo;
import io.akmon.flink.aggregate.HostAggregate;
import io.akmon.flink.config.JobOptions;
import io.akmon.flink.emit.ClusterWindow;
import io.akmon.flink.fold.FoldOperator;
import io.akmon.flink.ingest.DeadLetter;
import io.akmon.flink.ingest.Envelope;
import io.akmon.flink.ingest.EnvelopeDeserializer;
import io.akmon.flink.ingest.Event;
import io.akmon.flink.ingest.RecordParser;
import io.akmon.flink.ingest.SplitDeadLetters;
import io.akmon.flink.sink.KafkaSinks;
import io.akmon.flink.sink.es.ElasticsearchSinks;
import io.akmon.flink.sink.es.EsBulkSink;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The path of one record: Kafka -> {@code ingest} (parse; bad records to the dead-letter sink) -> keyed
 * by host, one operator ({@link FoldOperator}): {@code dedup} by (host, boot id, cpu, seq), {@code fold}
 * into its host's windows in memory (flushed to keyed state as the watermark advances and before every
 * checkpoint barrier), {@code emit} the host's documents (host, process, disk, connection, each with the
 * host's coverage) when the watermark closes a window, at every resolution -> cluster roll-up of the host
 * documents -> aggregate sinks.
 *
 * <p>Sources and sinks come in through the constructor so tests can drive the same topology;
 * {@link #main} wires Kafka from the options. Every operator has a fixed uid (suffixed with the window
 * label where it exists per resolution), so savepoints restore across versions of the job.
 */
public class AggregationJob {
    private final JobOptions options;
    private final Source<Envelope, ?, ?> source;
    private final Map<String, Sink<Aggregate>> aggregateSinks;
    private final Sink<DeadLetter> deadLetterSink;

    public AggregationJob(JobOptions options, Source<Envelope, ?, ?> source, Sink<Aggregate> aggregateSink,
                          Sink<DeadLetter> deadLetterSink) {
        this(options, source, Map.of(KAFKA_SINK_UID, aggregateSink), deadLetterSink);
    }

    /** Aggregates to several sinks, each under its own operator uid (see {@link #aggregateSinks}). */
    public AggregationJob(JobOptions options, Source<Envelope, ?, ?> source, Map<String, Sink<Aggregate>> aggregateSinks,
                          Sink<DeadLetter> deadLetterSink) {
        this.options = options;
        this.source = source;
        this.aggregateSinks = new TreeMap<>(aggregateSinks);
        this.deadLetterSink = deadLetterSink;
    }

    /** uid of the aggregates' Kafka sink; kept from the first release so savepoints restore. */
    public static final String KAFKA_SINK_UID = "aggregate-sink";
    public static final String ES_SINK_UID = "aggregate-es-sink";
    /** uid of the live partials' Kafka sink: the only sink that gets live partials alone. */
    public static final String LIVE_SINK_UID = "aggregate-live-sink";

    /** The sinks the options ask for, by operator uid. */
    public static Map<String, Sink<Aggregate>> aggregateSinks(JobOptions options) {
        Map<String, Sink<Aggregate>> sinks = new TreeMap<>();
        if (options.sinksTo("kafka")) {
            sinks.put(KAFKA_SINK_UID, KafkaSinks.aggregates(options));
            if (!options.liveTopic.isEmpty() && !options.liveInterval.isZero()) {
                sinks.put(LIVE_SINK_UID, KafkaSinks.liveAggregates(options));
            }
        }
        if (options.sinksTo("elasticsearch")) {
            sinks.put(ES_SINK_UID, ElasticsearchSinks.aggregates(options.es,
                    ElasticsearchSinks.kafkaDeadLetters(options.es, options.bootstrapServers, options.kafkaProperties)));
        }
        return sinks;
    }

    public static void main(String[] args) throws Exception {
        JobOptions options;
        try {
            options = JobOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage()); // one line with the fix
            System.exit(io.akmon.flink.config.CommandLines.EXIT_USAGE);
            return;
        }
        if (options == null) {
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(options));
        AggregationJob job = new AggregationJob(options, kafkaSource(options), aggregateSinks(options),
                KafkaSinks.deadLetters(options));
        job.execute(env);
    }

    public JobExecutionResult execute(StreamExecutionEnvironment env) throws Exception {
        build(env);
        return env.execute(options.jobName);
    }

    /**
     * RocksDB's write buffer (memtable) size per column family. Every keyed operator of the job has a
     * RocksDB instance of its own and every state a column family, a few dozen in all, and they share the
     * slot's managed memory. A memtable reserves that memory in arena blocks of an eighth of the write
     * buffer: with RocksDB's default of 64 MB the blocks of a few dozen column families exceed the shared
     * budget (64 MB of write buffers in a local run), and RocksDB then flushes memtables almost on every
     * write, which cost the job most of its time with RocksDB.
     */
    public static final MemorySize ROCKSDB_WRITE_BUFFER = MemorySize.parse("4mb");

    /** Checkpointing, state backend (RocksDB with {@link #ROCKSDB_WRITE_BUFFER}) and restarts as the options say. */
    public static Configuration flinkConfiguration(JobOptions options) {
        return flinkConfiguration(options.stateBackend, options.checkpointDir, options.restartAttempts);
    }

    /** The same for any job: the alert job's options name the same settings. */
    public static Configuration flinkConfiguration(String stateBackend, String checkpointDir, int restartAttempts) {
        Configuration c = new Configuration();
        c.set(StateBackendOptions.STATE_BACKEND, stateBackend.equals("rocksdb") ? "rocksdb" : "hashmap");
        if (stateBackend.equals("rocksdb")) {
            c.set(RocksDBConfigurableOptions.WRITE_BUFFER_SIZE, ROCKSDB_WRITE_BUFFER);
        }
        if (checkpointDir != null) {
            c.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir);
        }
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restartAttempts);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        return c;
    }

    public static KafkaSource<Envelope> kafkaSource(JobOptions options) {
        return kafkaSource(options, new EnvelopeDeserializer(new RecordParser(options.maxClockSkew.toMillis()),
                options.maxRecordBytes));
    }

    public static KafkaSource<Envelope> kafkaSource(JobOptions options,
                                                    KafkaRecordDeserializationSchema<Envelope> deserializer) {
        KafkaSourceBuilder<Envelope> b = KafkaSource.<Envelope>builder()
                .setBootstrapServers(options.bootstrapServers)
                .setGroupId(options.groupId)
                .setDeserializer(deserializer)
                // Only records of committed agent transactions: an aborted batch is replayed, not doubled.
                .setProperty("isolation.level", "read_committed")
                .setProperty("partition.discovery.interval.ms", "30000")
                .setStartingOffsets(switch (options.startingOffsets) {
                    case "earliest" -> OffsetsInitializer.earliest();
                    case "latest" -> OffsetsInitializer.latest();
                    default -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                });
        options.kafkaProperties.forEach(b::setProperty);
        if (options.topicPattern != null) {
            b.setTopicPattern(Pattern.compile(options.topicPattern));
        } else {
            b.setTopics(options.topics);
        }
        if (options.bounded) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    /**
     * Event time from the kernel timestamps; watermarks from the agents' heartbeats (the out-of-orderness
     * bounds hosts without them), idle partitions left out.
     */
    public static WatermarkStrategy<Envelope> watermarks(JobOptions options) {
        return io.akmon.flink.ingest.HeartbeatWatermarks.strategy(options.outOfOrderness, options.idlePartitionTimeout);
    }

    /** Adds the whole topology to the environment. */
    public void build(StreamExecutionEnvironment env) {
        env.enableCheckpointing(options.checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        // No operator keeps a reference to a record it has passed on, so chained operators may share them;
        // every type on the wire and in state has a real serializer, so a Kryo fallback is an error.
        env.getConfig().enableObjectReuse();
        env.getConfig().disableGenericTypes();
        env.getConfig().setAutoWatermarkInterval(io.akmon.flink.ingest.HeartbeatWatermarks.EMIT_INTERVAL_MS);
        if (options.parallelism > 0) {
            env.setParallelism(options.parallelism);
        }
        long lateness = options.allowedLateness.toMillis();

        SingleOutputStreamOperator<Event> events = env
                .fromSource(source, watermarks(options), "kafka-records").uid("kafka-records")
                .process(new SplitDeadLetters()).name("parse").uid("parse");

        SingleOutputStreamOperator<Aggregate> folded = events
                .keyBy(e -> e.host, Types.STRING)
                .transform("fold", AggregateTypeInfo.INSTANCE, FoldOperator.of(options,
                        aggregateSinks.containsKey(LIVE_SINK_UID)
                                || aggregateSinks.values().stream().anyMatch(s -> s instanceof EsBulkSink))).uid("fold");

        events.getSideOutput(SplitDeadLetters.DEAD_LETTERS)
                .union(folded.getSideOutput(FoldOperator.LATE))
                .sinkTo(deadLetterSink).name("dead-letter-sink").uid("dead-letter-sink");

        DataStream<Aggregate> all = folded;
        for (Duration size : options.resolutions()) {
            String label = JobOptions.label(size);
            DataStream<Aggregate> hosts = folded
                    .filter(a -> a instanceof HostAggregate && a.resolution.equals(label))
                    .name("host-aggregates-" + label).uid("host-aggregates-" + label);
            all = all.union(ClusterWindow.cluster(hosts, size, Duration.ofMillis(lateness)));
        }
        // Live partials go to Elasticsearch, beside the final documents that replace them in place, and alone
        // to the live topic: the aggregates topic keeps one exact document per window.
        DataStream<Aggregate> live = folded.getSideOutput(FoldOperator.LIVE);
        DataStream<Aggregate> withLive = all.union(live);
        for (Map.Entry<String, Sink<Aggregate>> sink : aggregateSinks.entrySet()) {
            (sink.getKey().equals(LIVE_SINK_UID) ? live : sink.getValue() instanceof EsBulkSink ? withLive : all)
                    .sinkTo(sink.getValue()).name(sink.getKey()).uid(sink.getKey());
        }
    }
}

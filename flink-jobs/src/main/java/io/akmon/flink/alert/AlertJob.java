package io.akmon.flink.alert;

import io.akmon.flink.AggregationJob;
import io.akmon.flink.alert.rules.InvalidRulesException;
import io.akmon.flink.config.CommandLines;
import io.akmon.flink.dedup.StreamDeduplicator;
import io.akmon.flink.ingest.DeadLetter;
import io.akmon.flink.ingest.Event;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import io.akmon.flink.alert.rules.RuleParser;
import io.akmon.flink.alert.rules.RuleSet;
import io.akmon.flink.ingest.Envelope;
import io.akmon.flink.ingest.EnvelopeDeserializer;
import io.akmon.flink.ingest.SplitDeadLetters;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Kafka event records -> parse -> facts, unioned with the aggregation job's aggregates as facts ->
 * one CEP operator per rule -> throttle -> alert sinks (the alerts topic, and whatever else is passed,
 * e.g. Elasticsearch).
 *
 * <p>Sources and sinks come in through the constructor so tests and embedding drive the same topology;
 * {@link #main} wires Kafka from {@link AlertOptions}. Operator uids are fixed ({@code alert-events},
 * {@code alert-parse}, {@code alert-event-facts}, {@code alert-aggregates}, one per rule from
 * {@link io.akmon.flink.alert.rules.Rule#uid()}, {@code alert-throttle}, {@code alert-sink-<n>}).
 */
public class AlertJob {
    public static final String DEFAULT_RULES = "rules/default-rules.yaml";
    static final TypeInformation<Fact> FACT = TypeInformation.of(Fact.class);

    private final AlertOptions options;
    private final RuleSet rules;
    private final Source<Envelope, ?, ?> events;
    private final Source<Fact, ?, ?> aggregates;
    private final List<Sink<Alert>> sinks;
    private final Sink<DeadLetter> deadLetterSink;

    /**
     * @param events     agent records (e.g. {@link #eventSource}); required
     * @param aggregates aggregate facts (e.g. {@link #aggregateSource}); null when rules use events only
     * @param sinks      where alerts go; at least one
     */
    public AlertJob(AlertOptions options, RuleSet rules, Source<Envelope, ?, ?> events, Source<Fact, ?, ?> aggregates,
                    List<Sink<Alert>> sinks) {
        this(options, rules, events, aggregates, sinks, AlertSinks.deadLetters(options));
    }

    /** @param deadLetterSink where records the job cannot use go (bad, too large, too late, undecodable aggregates) */
    public AlertJob(AlertOptions options, RuleSet rules, Source<Envelope, ?, ?> events, Source<Fact, ?, ?> aggregates,
                    List<Sink<Alert>> sinks, Sink<DeadLetter> deadLetterSink) {
        this.options = options;
        this.rules = rules;
        this.events = events;
        this.aggregates = aggregates;
        this.sinks = List.copyOf(sinks);
        this.deadLetterSink = deadLetterSink;
    }

    public static void main(String[] args) throws Exception {
        AlertOptions options;
        RuleSet rules;
        try {
            options = AlertOptions.parse(args);
            if (options == null) {
                return; // --help or --version
            }
            rules = loadRules(options);
        } catch (InvalidRulesException e) {
            System.err.println(rulesLine(e));
            System.exit(CommandLines.EXIT_USAGE);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage()); // one line with the fix
            System.exit(CommandLines.EXIT_USAGE);
            return;
        }
        if (options.audit) {
            try {
                RulesAudit.publish(options, rules);
            } catch (IllegalStateException | IllegalArgumentException e) {
                System.err.println(AlertOptions.COMMAND + ": " + e.getMessage());
                System.exit(1);
                return;
            }
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(options));
        boolean useAggregates = options.aggregatesTopic != null && !options.aggregatesTopic.isEmpty();
        new AlertJob(options, rules, eventSource(options, null, null),
                useAggregates ? aggregateSource(options, null, null) : null,
                sinks(options)).execute(env);
    }

    /** Restart strategy, state backend and checkpoint storage as for the aggregation job. */
    public static Configuration flinkConfiguration(AlertOptions options) {
        return AggregationJob.flinkConfiguration(options.stateBackend, options.checkpointDir, options.restartAttempts);
    }

    /** One line for a rules file that does not validate: its first problem, how many more, and the fix. */
    public static String rulesLine(InvalidRulesException e) {
        List<io.akmon.flink.alert.rules.RuleError> errors = e.errors();
        String source = e.getMessage().substring("invalid rules file ".length(), e.getMessage().indexOf(":\n"));
        String first = errors.isEmpty() ? "" : ": " + errors.get(0).format(source)
                + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : "");
        return AlertOptions.COMMAND + ": invalid rules file " + source + first + "; fix: correct the file ("
                + "akmon rules validate " + source + " lists every problem)";
    }

    /** The sinks the options ask for: the alerts topic first, then Elasticsearch. */
    public static List<Sink<Alert>> sinks(AlertOptions options) {
        List<Sink<Alert>> sinks = new java.util.ArrayList<>();
        if (options.sinks.contains("kafka")) {
            sinks.add(AlertSinks.kafka(options));
        }
        if (options.sinks.contains("elasticsearch")) {
            sinks.add(AlertSinks.elasticsearch(options));
        }
        return sinks;
    }

    /** The rules file of the options, or the default rules; throws when it does not validate. */
    public static RuleSet loadRules(AlertOptions options) {
        if (options.rulesFile != null) {
            return RuleParser.parse(options.rulesFile, options.params).orThrow();
        }
        return defaultRules(options.params);
    }

    public static RuleSet defaultRules(Map<String, String> params) {
        try (InputStream in = AlertJob.class.getClassLoader().getResourceAsStream(DEFAULT_RULES)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return RuleParser.parse(text, "classpath:" + DEFAULT_RULES, params).orThrow();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DEFAULT_RULES, e);
        }
    }

    /** Runs the job until it ends (with bounded sources) or fails. */
    public JobExecutionResult execute(StreamExecutionEnvironment env) throws Exception {
        configure(env);
        return env.execute(options.jobName);
    }

    /** Submits the job and returns at once: how tests and embedders run it beside other work. */
    public JobClient start(StreamExecutionEnvironment env) throws Exception {
        configure(env);
        return env.executeAsync(options.jobName);
    }

    /** Checkpointing, parallelism, and the whole topology with its sinks. */
    public void configure(StreamExecutionEnvironment env) {
        env.enableCheckpointing(options.checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        // Facts are built fresh per record and never changed after, so chained rule inputs can share them;
        // every type has its own serializer, so a Kryo fallback is a bug and fails the job at build time.
        env.getConfig().enableObjectReuse();
        env.getConfig().disableGenericTypes();
        env.getConfig().setAutoWatermarkInterval(io.akmon.flink.ingest.HeartbeatWatermarks.EMIT_INTERVAL_MS);
        if (options.parallelism > 0) {
            env.setParallelism(options.parallelism);
        }
        Inputs in = inputs(env, events, aggregates, options);
        in.deadLetters().sinkTo(deadLetterSink).name("alert-dead-letter-sink").uid("alert-dead-letter-sink");
        DataStream<Alert> alerts = AlertTopology.alerts(in.eventFacts(), in.aggregateFacts(), rules);
        for (int i = 0; i < sinks.size(); i++) {
            alerts.sinkTo(sinks.get(i)).name("alert-sink-" + i).uid(sinkUid(sinks.get(i), i));
        }
    }

    /** Elasticsearch gets its own uid so adding or removing the Kafka sink keeps its state on restore. */
    private static String sinkUid(Sink<Alert> sink, int i) {
        return sink instanceof io.akmon.flink.sink.es.EsBulkSink ? "alert-es-sink" : "alert-sink-" + i;
    }

    /** Adds sources, rules and throttle to the environment and returns the alerts (sinks not attached). */
    public DataStream<Alert> build(StreamExecutionEnvironment env) {
        Inputs in = inputs(env, events, aggregates, options);
        return AlertTopology.alerts(in.eventFacts(), in.aggregateFacts(), rules);
    }

    public static DataStream<Fact> facts(StreamExecutionEnvironment env, Source<Envelope, ?, ?> events,
                                  Source<Fact, ?, ?> aggregates, AlertOptions options) {
        return inputs(env, events, aggregates, options).facts();
    }

    /** What the rules read (events and aggregates as facts, and both together), and what the job could not use. */
    public record Inputs(DataStream<Fact> facts, DataStream<DeadLetter> deadLetters, DataStream<Fact> eventFacts,
                         DataStream<Fact> aggregateFacts) {
    }

    /**
     * Events parsed (bad ones to the dead letters) and deduplicated per sequence stream (host, boot id,
     * cpu), so a spool replay by the agent counts once, as facts; aggregates as facts (undecodable ones to
     * the dead letters). Deduplication reuses the aggregation job's operator with event instants as
     * windows: a gap stays open for --dedup-hold, so records older than that behind the watermark, which
     * CEP would drop unseen, go to the dead letters as late instead.
     */
    public static Inputs inputs(StreamExecutionEnvironment env, Source<Envelope, ?, ?> events,
                                Source<Fact, ?, ?> aggregates, AlertOptions options) {
        SingleOutputStreamOperator<Event> parsed = env
                .fromSource(events, io.akmon.flink.ingest.HeartbeatWatermarks.strategy(options.outOfOrderness,
                        options.idlePartitionTimeout), "alert-events").uid("alert-events")
                .process(new SplitDeadLetters()).name("alert-parse").uid("alert-parse");
        long hold = options.dedupHold.toMillis();
        SingleOutputStreamOperator<Event> unique = parsed
                .keyBy(Event::streamKey)
                .process(new StreamDeduplicator(hold, options.streamIdleTimeout.toMillis()))
                .name("alert-dedup").uid("alert-dedup");
        DataStream<Fact> facts = unique.map(Facts::of, FACT).name("alert-event-facts").uid("alert-event-facts");
        DataStream<DeadLetter> dead = parsed.getSideOutput(SplitDeadLetters.DEAD_LETTERS)
                .union(unique.getSideOutput(StreamDeduplicator.LATE));
        DataStream<Fact> eventFacts = facts;
        DataStream<Fact> aggregateOnly = null;
        if (aggregates != null) {
            SingleOutputStreamOperator<Fact> aggregateFacts = env.fromSource(aggregates,
                    WatermarkStrategy.<Fact>forBoundedOutOfOrderness(options.outOfOrderness)
                            .withTimestampAssigner((f, kafkaTs) -> f.timestamp)
                            .withIdleness(options.idlePartitionTimeout), "alert-aggregates").uid("alert-aggregates")
                    .process(new SplitUndecodable()).name("alert-aggregate-check").uid("alert-aggregate-check");
            facts = facts.union(aggregateFacts);
            aggregateOnly = aggregateFacts;
            dead = dead.union(aggregateFacts.getSideOutput(SplitUndecodable.DEAD_LETTERS));
        }
        return new Inputs(facts, dead, eventFacts, aggregateOnly);
    }

    public static KafkaSource<Envelope> eventSource(AlertOptions options, OffsetsInitializer start,
                                                    OffsetsInitializer stop) {
        return kafkaSource(options, options.topics, new EnvelopeDeserializer(new io.akmon.flink.ingest.RecordParser(),
                options.maxRecordBytes), start, stop);
    }

    public static KafkaSource<Fact> aggregateSource(AlertOptions options, OffsetsInitializer start,
                                                    OffsetsInitializer stop) {
        return kafkaSource(options, List.of(options.aggregatesTopic), new AggregateFactDeserializer(), start, stop);
    }

    /** A Kafka source; start null = as --starting-offsets says, stop null = unbounded. */
    public static <T> KafkaSource<T> kafkaSource(AlertOptions options, List<String> topics,
                                          KafkaRecordDeserializationSchema<T> deserializer, OffsetsInitializer start,
                                          OffsetsInitializer stop) {
        KafkaSourceBuilder<T> b = KafkaSource.<T>builder()
                .setBootstrapServers(options.bootstrapServers)
                .setGroupId(options.groupId)
                .setTopics(topics)
                .setDeserializer(deserializer)
                .setProperty("isolation.level", "read_committed")
                .setStartingOffsets(start != null ? start : switch (options.startingOffsets) {
                    case "earliest" -> OffsetsInitializer.earliest();
                    case "committed" -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.LATEST);
                    default -> OffsetsInitializer.latest();
                });
        if (stop != null) {
            b.setBounded(stop);
        } else {
            b.setProperty("partition.discovery.interval.ms", "30000");
        }
        options.kafkaProperties.forEach(b::setProperty);
        return b.build();
    }

    static void printUsage(PrintStream out) {
        new CommandLine(new AlertOptions()).usage(out);
    }
}

package io.akmon.flink.alert.cli;

import io.akmon.flink.alert.Alert;
import io.akmon.flink.alert.AlertJob;
import io.akmon.flink.alert.AlertOptions;
import io.akmon.flink.alert.AlertTopology;
import io.akmon.flink.alert.Fact;
import io.akmon.flink.alert.rules.RuleError;
import io.akmon.flink.alert.rules.RuleParser;
import io.akmon.flink.alert.rules.RuleSet;
import io.akmon.flink.config.JobOptions;
import io.akmon.flink.sink.Json;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import io.akmon.schema.security.KafkaSecurityOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Runs a rules file over the history kept in Kafka, from one time to another, in a local Flink, and
 * prints what would have fired. Nothing is written anywhere.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Run a rules file over the events and aggregates kept in Kafka between two times and print "
                + "the alerts it would have fired (after throttling), oldest first.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:replayed (whether or not anything fired)", "1:the replay failed",
                "2:the rules file is invalid"})
public class ReplayCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The rules file (YAML).")
    Path file;

    @Option(names = "--from", required = true, paramLabel = "TIME",
            description = "Start (inclusive): ISO-8601 (2026-11-24T18:00:00Z; without offset = UTC), epoch "
                    + "milliseconds, 'now' or relative to now, e.g. -2h, -30m.")
    String from;

    @Option(names = "--to", defaultValue = "now", paramLabel = "TIME",
            description = "End (exclusive), same forms. Default: ${DEFAULT-VALUE}.")
    String to;

    @Option(names = "--json", description = "One JSON alert per line (for jq) instead of a table.")
    boolean json;

    @Option(names = "--param", paramLabel = "NAME=VALUE", description = "Override a rules file parameter (repeatable).")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--bootstrap-servers", defaultValue = "localhost:9092",
            description = "Kafka bootstrap servers. Default: ${DEFAULT-VALUE}.")
    String bootstrapServers;

    @Option(names = "--topics", split = ",", defaultValue = JobOptions.DEFAULT_TOPICS,
            description = "Event topics. Default: ${DEFAULT-VALUE}.")
    List<String> topics;

    @Option(names = "--aggregates-topic", defaultValue = "akmon.aggregates",
            description = "Aggregates topic; empty for events only. Default: ${DEFAULT-VALUE}.")
    String aggregatesTopic;

    @Option(names = "--grace", defaultValue = "1m", converter = JobOptions.DurationConverter.class,
            description = "Read Kafka records written this much before --from and after --to, since a record's "
                    + "Kafka time trails its event time. Default: ${DEFAULT-VALUE}.")
    Duration grace;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "Extra Kafka client setting (repeatable); wins over the named security options.")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    /** TLS, mTLS and SASL of the replay's Kafka clients, as the jobs take them. */
    @Mixin
    KafkaSecurityOptions kafkaSecurity = new KafkaSecurityOptions();

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        RuleParser.Result parsed = RuleParser.parse(file, params);
        if (!parsed.valid()) {
            for (RuleError e : parsed.errors()) {
                err.println(e.format(file.toString()));
            }
            return ValidateCommand.INVALID;
        }
        // --kafka-property wins over the named security options; a bad one is a usage error (exit 2).
        kafkaSecurity.clientProperties().forEach(kafkaProperties::putIfAbsent);
        long now = System.currentTimeMillis();
        long fromMs = parseTime(from, now);
        long toMs = parseTime(to, now);
        if (toMs <= fromMs) {
            err.println("--to must be after --from");
            return 1;
        }
        List<Alert> alerts = replay(parsed.rules(), fromMs, toMs);
        print(alerts);
        return 0;
    }

    List<Alert> replay(RuleSet rules, long fromMs, long toMs) throws Exception {
        AlertOptions options = new AlertOptions();
        options.bootstrapServers = bootstrapServers;
        options.groupId = "akmon-rules-replay";
        options.kafkaProperties = kafkaProperties;
        options.outOfOrderness = Duration.ofSeconds(5);
        options.idlePartitionTimeout = Duration.ofSeconds(30);
        Set<String> existing = existingTopics();
        options.topics = new ArrayList<>(topics.stream().filter(existing::contains).toList());
        for (String t : topics) {
            if (!existing.contains(t)) {
                err.println("note: topic " + t + " does not exist; skipped");
            }
        }
        boolean useAggregates = aggregatesTopic != null && !aggregatesTopic.isEmpty()
                && existing.contains(aggregatesTopic);
        options.aggregatesTopic = aggregatesTopic;
        if (options.topics.isEmpty()) {
            err.println("no event topic exists: nothing to replay");
            return List.of();
        }
        OffsetsInitializer start = OffsetsInitializer.timestamp(fromMs - grace.toMillis());
        OffsetsInitializer stop = OffsetsInitializer.timestamp(toMs + grace.toMillis());

        // A local environment when run from the command line; the surrounding cluster when embedded.
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        env.setParallelism(1);
        DataStream<Fact> facts = AlertJob.facts(env, AlertJob.eventSource(options, start, stop),
                useAggregates ? AlertJob.aggregateSource(options, start, stop) : null, options);
        DataStream<Fact> inRange = facts.filter(f -> f.timestamp >= fromMs && f.timestamp < toMs)
                .name("replay-range");
        Map<String, Alert> byId = new LinkedHashMap<>();
        try (CloseableIterator<Alert> it = AlertTopology.alerts(inRange, rules).executeAndCollect("akmon-rules-replay")) {
            // A throttled alert may come again with its suppressed count: keep its last version.
            it.forEachRemaining(a -> byId.put(a.id, a));
        }
        List<Alert> alerts = new ArrayList<>(byId.values());
        alerts.sort(Comparator.comparingLong((Alert a) -> a.firstMatched).thenComparing(a -> a.rule)
                .thenComparing(a -> a.key));
        return alerts;
    }

    private Set<String> existingTopics() throws Exception {
        // refused credentials or certificates are the user's to fix: one line, exit 2, nothing replayed
        return io.akmon.flink.config.KafkaAccess.topics(bootstrapServers, kafkaProperties, "the replay");
    }

    void print(List<Alert> alerts) throws Exception {
        if (json) {
            for (Alert a : alerts) {
                out.println(Json.MAPPER.writeValueAsString(a));
            }
            return;
        }
        String[] head = {"FIRST MATCHED", "LAST MATCHED", "RULE", "SEVERITY", "KEY", "SUPPRESSED", "MESSAGE"};
        List<String[]> rows = new ArrayList<>();
        rows.add(head);
        for (Alert a : alerts) {
            rows.add(new String[] {Instant.ofEpochMilli(a.firstMatched).toString(),
                    Instant.ofEpochMilli(a.lastMatched).toString(), a.rule, a.severity, a.key,
                    Long.toString(a.suppressed), a.message});
        }
        int[] width = new int[head.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                b.append(i == r.length - 1 ? r[i] : String.format("%-" + width[i] + "s  ", r[i]));
            }
            out.println(b.toString().stripTrailing());
        }
        out.println(alerts.size() + " alert(s)");
    }

    /** ISO-8601 instant or local date-time (UTC), epoch milliseconds, 'now', or now minus a duration (-2h). */
    static long parseTime(String s, long now) {
        String t = s.trim();
        if (t.equals("now")) {
            return now;
        }
        if (t.startsWith("-") || t.startsWith("now-")) {
            String d = t.substring(t.indexOf('-') + 1);
            return now - new JobOptions.DurationConverter().convert(d).toMillis();
        }
        if (t.matches("\\d+")) {
            return Long.parseLong(t);
        }
        try {
            return Instant.parse(t).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC).toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException("bad time '" + s + "': use ISO-8601, epoch milliseconds, "
                        + "now or -<duration>");
            }
        }
    }
}

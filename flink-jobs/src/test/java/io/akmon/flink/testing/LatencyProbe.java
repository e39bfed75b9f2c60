package io.akmon.flink.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedElasticsearch;
import io.akmon.embedded.EmbeddedKafka;
import io.akmon.flink.AggregationJob;
import io.akmon.flink.alert.AlertJob;
import io.akmon.flink.alert.AlertOptions;
import io.akmon.flink.config.JobOptions;
import io.akmon.flink.ingest.Event;
import io.akmon.flink.sink.KafkaSinks;
import io.akmon.flink.sink.es.EsClient;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A quick, in-process latency check of both jobs with the settings {@code akmon run} gives them (2 s
 * out-of-orderness, 5 s idle-partition timeout, 2 s checkpoints, 2 partitions per topic, Elasticsearch
 * flushes every 500 ms for aggregates and 200 ms for alerts, each refreshing what it wrote, live partials every second), fed records as
 * the agent writes them: cpu and syscall records of a background process every second, and per round a fork
 * storm of 60 children stamped with the current time. Prints, per round, how long after the storm's 51st
 * fork (the event that completes the fork-storm match) the alert was searchable, after the storm the
 * live document of its last child, and after window end + out-of-orderness its final document. Not a benchmark
 * (that is the pipeline suite of ./akmon bench, with the real agent): a probe for seeing where the time goes.
 *
 * <p>With a heartbeat interval (the third argument, as the agent's {@code --heartbeat-interval}; default
 * 100ms, 0 for none) the probe also sends heartbeats as the agent does: on every tick, to every partition of
 * every event topic, behind the records before it, the progress the agent could vouch for and as late as
 * it sends it (the agent vouches for the tick's time once a kernel poll round begun after it has ended, up
 * to 20 ms later with the ring buffer's 10 ms poll, less its 10 ms guard: here 30 ms behind the send).
 *
 * <p>Usage: {@code LatencyProbe [rounds] [idle-partition-timeout] [heartbeat-interval]} (default 5 rounds,
 * 5s as akmon run, 100ms)
 */
public final class LatencyProbe {
    private static final String HOST = "probe-host";
    private static final long WINDOW_MS = 10_000;

    private LatencyProbe() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String idle = args.length > 1 ? args[1] : "5s";
        long heartbeatMs = io.akmon.schema.Durations.parse(args.length > 2 ? args[2] : "100ms").toMillis();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().partitions(2));
             EmbeddedElasticsearch es = EmbeddedElasticsearch.start();
             EsClient client = EsClient.connect(es.httpUrl())) {
            kafka.createTopics(2, JobOptions.DEFAULT_TOPICS.split(","));
            kafka.createTopics(2, "akmon.aggregates", "akmon.aggregates.live", "akmon.alerts", "akmon.deadletter");
            JobOptions aggregation = JobOptions.parse("--bootstrap-servers", kafka.bootstrapServers(),
                    "--starting-offsets", "earliest", "--checkpoint-interval", "2s", "--idle-partition-timeout", idle,
                    "--out-of-orderness", "2s", "--parallelism", "1", "--es", es.httpUrl(), "--es-flush-interval", "500ms",
                    "--es-refresh-on-write");
            AlertOptions alerts = new AlertOptions();
            new picocli.CommandLine(alerts).parseArgs("--bootstrap-servers", kafka.bootstrapServers(),
                    "--starting-offsets", "earliest", "--checkpoint-interval", "2s", "--idle-partition-timeout", idle,
                    "--out-of-orderness", "2s", "--parallelism", "1", "--param", "aggregate_resolution=10s",
                    "--es", es.httpUrl(), "--es-flush-interval", "200ms");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                    AggregationJob.flinkConfiguration(aggregation));
            new AggregationJob(aggregation, AggregationJob.kafkaSource(aggregation),
                    AggregationJob.aggregateSinks(aggregation), KafkaSinks.deadLetters(aggregation)).build(env);
            new AlertJob(alerts, AlertJob.loadRules(alerts), AlertJob.eventSource(alerts, null, null),
                    AlertJob.aggregateSource(alerts, null, null), AlertJob.sinks(alerts)).configure(env);
            JobClient job = env.executeAsync("latency-probe");

            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ProducerConfig.LINGER_MS_CONFIG, "20"); // as the agent's default
            KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
            long[] seq = {0};
            ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor();
            background.scheduleAtFixedRate(() -> {
                long now = System.currentTimeMillis();
                synchronized (seq) {
                    send(producer, "akmon.cpu", Records.cpu(HOST, 1, ++seq[0], now, 1, "bg", 1_000_000));
                    send(producer, "akmon.syscall", Records.syscall(HOST, 1, ++seq[0], now, 1, "bg", "read", 10, 0));
                }
            }, 0, 1, TimeUnit.SECONDS);
            if (heartbeatMs > 0) {
                background.scheduleAtFixedRate(() -> {
                    synchronized (seq) { // behind every record sent before it, as the agent's publisher sends them
                        byte[] beat = Records.json(Records.heartbeat(HOST, System.currentTimeMillis() - 30));
                        for (String topic : JobOptions.DEFAULT_TOPICS.split(",")) {
                            for (int part = 0; part < 2; part++) {
                                producer.send(new ProducerRecord<>(topic, part, HOST.getBytes(), beat));
                            }
                        }
                    }
                }, 0, heartbeatMs, TimeUnit.MILLISECONDS);
            }
            Thread.sleep(15_000); // jobs up, first windows closed

            List<Double> alert = new ArrayList<>();
            List<Double> live = new ArrayList<>();
            List<Double> fin = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                int ppid = 50_000 + round;
                long completing = 0;
                for (int i = 0; i < 60; i++) {
                    long now = System.currentTimeMillis();
                    if (i == 50) {
                        completing = now;
                    }
                    synchronized (seq) {
                        send(producer, "akmon.fork", Records.fork(HOST, 0, ++seq[0], now, 60_000 + round * 100 + i, ppid, "storm"));
                    }
                    Thread.sleep(1);
                }
                long stormEnd = System.currentTimeMillis();
                long windowStart = Math.floorDiv(stormEnd, WINDOW_MS) * WINDOW_MS;
                int lastChild = 60_000 + round * 100 + 59; // its fork record is the storm's last event
                String windowDocs = "{\"query\":{\"bool\":{\"filter\":[{\"term\":{\"kind\":\"process\"}},{\"term\":{\"pid\":"
                        + lastChild + "}},{\"term\":{\"resolution\":\"10s\"}},{\"term\":{\"timestamp\":" + windowStart + "}}]}}}";
                double a = Double.NaN;
                double l = Double.NaN;
                double f = Double.NaN; // may be negative: before window end + 2 s
                String kind = "";
                long deadline = System.currentTimeMillis() + 60_000;
                while ((Double.isNaN(a) || Double.isNaN(l) || Double.isNaN(f)) && System.currentTimeMillis() < deadline) {
                    if (Double.isNaN(a) && count(client, "akmon-alerts", "{\"query\":{\"term\":{\"key_fields.ppid\":" + ppid + "}}}", false) > 0) {
                        a = System.currentTimeMillis() - completing;
                    }
                    if (Double.isNaN(l)) {
                        long n = count(client, "akmon-metrics", windowDocs, false);
                        if (n > 0) {
                            l = System.currentTimeMillis() - stormEnd;
                            kind = count(client, "akmon-metrics", windowDocs, true) > 0 ? "final" : "partial";
                        }
                    }
                    if (Double.isNaN(f) && count(client, "akmon-metrics", windowDocs, true) > 0) {
                        f = System.currentTimeMillis() - (windowStart + WINDOW_MS + 2_000);
                    }
                    Thread.sleep(50);
                }
                System.out.printf("round %d: alert %.0f ms after the completing fork, live document %.0f ms after the storm (%s), "
                        + "final %.0f ms after window end + 2 s%n", round + 1, a, l, kind, f);
                alert.add(a);
                live.add(l);
                fin.add(f);
            }
            System.out.println("alert ms " + alert + "\nlive ms " + live + "\nfinal ms " + fin);
            System.out.printf("heartbeats %s, %d rounds: alert p50 %.0f p99 %.0f ms; live p50 %.0f p99 %.0f ms; "
                    + "final p50 %.0f p99 %.0f ms after window end + 2 s%n", heartbeatMs > 0 ? "every " + heartbeatMs + " ms" : "off",
                    rounds, pct(alert, 50), pct(alert, 99), pct(live, 50), pct(live, 99), pct(fin, 50), pct(fin, 99));
            background.shutdownNow();
            producer.close();
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        System.exit(0);
    }

    /** Nearest-rank percentile. */
    private static double pct(List<Double> values, int p) {
        List<Double> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        return sorted.get(Math.max(0, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, Event e) {
        producer.send(new ProducerRecord<>(topic, (e.host + "/" + e.pid).getBytes(), Records.json(e)));
    }

    /** Hits of a search; with {@code finalOnly} only final documents. */
    private static long count(EsClient client, String index, String query, boolean finalOnly) {
        try {
            JsonNode q = io.akmon.flink.sink.Json.MAPPER.readTree(query);
            if (finalOnly) {
                ((com.fasterxml.jackson.databind.node.ArrayNode) q.path("query").path("bool").path("filter"))
                        .addObject().putObject("term").put("final", true);
            }
            return client.call("POST", "/" + index + "/_search", Map.of("size", 0, "query", q.path("query")), true)
                    .path("hits").path("total").path("value").asLong();
        } catch (Exception e) {
            return 0;
        }
    }
}

package io.akmon.cli.top;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Feeds a {@link PipelineView} from a deployment: the aggregates, live partials, alerts and agent health
 * topics (read_committed, from the newest records; the live topic is not transactional, so its records
 * are read as soon as they are written), the aggregation job's consumer-group lag, and its checkpoints
 * from the Flink REST API when one is given.
 */
public final class TopFeed implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PipelineView view;
    private final String bootstrap;
    private final Map<String, String> clientProperties;
    private final String groupId;
    private final String flinkRest;
    private final Thread thread;
    private volatile boolean running = true;
    /** Why the Flink REST API could not be read at the last refresh; null if it could. */
    private volatile String jobStatusError;
    /** Counted down once the feed has read every assigned partition up to its end at assignment. */
    private final java.util.concurrent.CountDownLatch caughtUp = new java.util.concurrent.CountDownLatch(1);
    /** The consumer thread's: where each assigned partition ended when it was assigned. */
    private Map<TopicPartition, Long> ends;

    public TopFeed(PipelineView view, String bootstrap, List<String> topics, String groupId, String flinkRest, Duration lookBack) {
        this(view, bootstrap, Map.of(), topics, groupId, flinkRest, lookBack);
    }

    /** As above, with further Kafka client properties (TLS, SASL: {@code KafkaSecurityOptions}). */
    public TopFeed(PipelineView view, String bootstrap, Map<String, String> clientProperties, List<String> topics,
                   String groupId, String flinkRest, Duration lookBack) {
        this.view = view;
        this.bootstrap = bootstrap;
        this.clientProperties = Map.copyOf(clientProperties);
        this.groupId = groupId;
        this.flinkRest = flinkRest;
        this.thread = new Thread(() -> consume(topics, lookBack), "akmon-top-feed");
        thread.setDaemon(true);
        thread.start();
    }

    private void consume(List<String> topics, Duration lookBack) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.putAll(clientProperties);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "akmon-top-" + UUID.randomUUID());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(Pattern.compile(String.join("|", topics.stream().map(Pattern::quote).toList())),
                    new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsRevoked(java.util.Collection<TopicPartition> parts) {
                        }

                        @Override
                        public void onPartitionsAssigned(java.util.Collection<TopicPartition> parts) {
                            // start a little in the past, so the view fills at once
                            Map<TopicPartition, Long> when = new HashMap<>();
                            long from = System.currentTimeMillis() - lookBack.toMillis();
                            parts.forEach(tp -> when.put(tp, from));
                            c.offsetsForTimes(when).forEach((tp, o) -> {
                                if (o != null) {
                                    c.seek(tp, o.offset());
                                }
                            });
                            ends = c.endOffsets(parts); // read_committed: the last stable offsets
                        }
                    });
            while (running) {
                ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(500));
                if (ends != null && caughtUp.getCount() > 0
                        && ends.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    caughtUp.countDown();
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    for (byte[] value : io.akmon.schema.Frames.records(r.value())) {
                        try {
                            view.accept(r.topic(), JSON.readTree(value));
                        } catch (java.io.IOException e) {
                            // a record that is not JSON is the dead-letter path's business, not the view's
                        }
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            // closing
        }
    }

    /**
     * Waits until the feed has read the look-back of every topic up to where it ended when the feed joined,
     * at most {@code timeout} (a first TLS handshake and group join on a busy host take seconds); false if
     * it has not by then.
     */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Why the last {@link #refreshJobStatus} could not read the Flink REST API; null if it could. */
    public String jobStatusError() {
        return jobStatusError;
    }

    /** Refreshes lag and checkpoint figures; cheap enough to call every couple of seconds. */
    public void refreshJobStatus() {
        jobStatusError = null;
        long lag = -1;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.putAll(clientProperties);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get();
            if (!committed.isEmpty()) {
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
                lag = 0;
                for (var e : committed.entrySet()) {
                    if (e.getValue() != null) {
                        lag += Math.max(0, ends.get(e.getKey()).offset() - e.getValue().offset());
                    }
                }
            }
        } catch (Exception e) {
            lag = -1;
        }
        String state = "unknown";
        long lastCheckpoint = 0;
        if (flinkRest != null) {
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(REST_TIMEOUT).build();
                JsonNode jobs = get(http, flinkRest + "/jobs/overview");
                for (JsonNode j : jobs.path("jobs")) {
                    state = j.path("state").asText().toLowerCase();
                    JsonNode cps = get(http, flinkRest + "/jobs/" + j.path("jid").asText() + "/checkpoints");
                    lastCheckpoint = Math.max(lastCheckpoint, cps.path("latest").path("completed").path("latest_ack_timestamp").asLong());
                }
            } catch (Exception e) {
                state = "unreachable";
                jobStatusError = e.toString();
            }
        }
        view.jobStatus(state, lag, lastCheckpoint);
    }

    /** A JobManager busy deploying or checkpointing on a loaded host answers its REST API in seconds, not ms. */
    private static final Duration REST_TIMEOUT = Duration.ofSeconds(10);

    private static JsonNode get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(REST_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

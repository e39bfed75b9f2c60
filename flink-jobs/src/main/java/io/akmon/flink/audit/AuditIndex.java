package io.akmon.flink.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.akmon.flink.sink.DeadLetterChannel;
import io.akmon.flink.sink.Json;
import io.akmon.flink.sink.es.DocumentEmitter;
import io.akmon.flink.sink.es.EsBulkSink;
import io.akmon.flink.sink.es.EsClient;
import io.akmon.flink.sink.es.EsSinkOptions;
import io.akmon.flink.sink.es.IndexTemplates;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.common.xcontent.XContentType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;

/**
 * Indexes the audit topic ({@code akmon.audit}: the agent's {@code agent_start} and the alert job's
 * {@code rules_loaded} records) into Elasticsearch, one document per record in the dated indices
 * {@code <prefix>-audit-<date>} behind the alias {@code <prefix>-audit}, with the explicit mapping of
 * {@code audit-mappings.json}. The id names host, stream and start time, so reading the topic again
 * overwrites instead of adding copies. The indices are not in the retention's families: the trail stays.
 */
public final class AuditIndex {
    public static final String FAMILY = "audit";
    private static final Logger LOG = LoggerFactory.getLogger(AuditIndex.class);

    private AuditIndex() {
    }

    /** The audit topic from the start, so a new index gets every record the topic still holds. */
    public static KafkaSource<String> source(String bootstrapServers, Map<String, String> kafkaProperties, String topic,
                                             String groupId) {
        var b = KafkaSource.<String>builder()
                .setBootstrapServers(bootstrapServers)
                .setGroupId(groupId)
                .setTopics(topic)
                .setValueOnlyDeserializer(new SimpleStringSchema())
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setProperty("isolation.level", "read_committed")
                .setProperty("partition.discovery.interval.ms", "30000");
        kafkaProperties.forEach(b::setProperty);
        return b.build();
    }

    /** Source -> records that are audit records -> Elasticsearch; refused documents go to {@code deadLetters}. */
    public static void build(StreamExecutionEnvironment env, KafkaSource<String> source, EsSinkOptions es,
                             DeadLetterChannel deadLetters) {
        DataStream<String> records = env.fromSource(source, WatermarkStrategy.noWatermarks(), "audit-source")
                .uid("audit-source")
                .flatMap(AuditIndex::splitFrame).returns(String.class).name("audit-frames").uid("audit-frames")
                .filter(AuditIndex::isAuditRecord).name("audit-records").uid("audit-records");
        records.sinkTo(new EsBulkSink<>(es, new Emitter(es), deadLetters)).name("audit-es-sink").uid("audit-es-sink");
    }

    /** The agent sends records as frames of JSON Lines ({@link io.akmon.schema.Frames}): one record each. */
    static void splitFrame(String value, org.apache.flink.util.Collector<String> out) {
        for (String line : io.akmon.schema.Frames.records(value)) {
            out.collect(line);
        }
    }

    /** Only what the agent and the jobs write there; anything else in the topic is logged and skipped. */
    static boolean isAuditRecord(String value) {
        try {
            JsonNode n = Json.MAPPER.readTree(value);
            if (n != null && "audit".equals(n.path("type").asText()) && n.hasNonNull("host") && n.path("seq").canConvertToLong()) {
                return true;
            }
        } catch (IOException ignored) {
            // reported below
        }
        LOG.warn("not an audit record, not indexed: {}", value.length() > 200 ? value.substring(0, 200) + "..." : value);
        return false;
    }

    /** The document's id: host, stream (cpu -3 agent, -4 alert job) and start time in ns. */
    static String id(JsonNode r) {
        return FAMILY + "/" + r.path("host").asText() + "/" + r.path("cpu").asInt() + "/" + r.path("seq").asLong();
    }

    /** Epoch ms of the record: its {@code ts} (ns since the epoch). */
    static long timestampMillis(JsonNode r) {
        return r.path("ts").asLong() / 1_000_000L;
    }

    /** The record as it is, with {@code timestamp} set to its {@code ts} in epoch ms (the time field). */
    static final class Emitter extends DocumentEmitter<String> {
        private static final long serialVersionUID = 1L;
        private final EsSinkOptions options;

        Emitter(EsSinkOptions options) {
            super(options, FAMILY, s -> id(parse(s)), s -> timestampMillis(parse(s)));
            this.options = options;
        }

        @Override
        public void open() {
            if (options.setup) {
                try (EsClient es = EsClient.of(options)) {
                    IndexTemplates.installFamily(es, options, FAMILY, Instant.now());
                }
            }
        }

        @Override
        public IndexRequest request(String record) {
            ObjectNode r = (ObjectNode) parse(record);
            long ms = timestampMillis(r);
            r.put("timestamp", ms); // one time field and format in every audit document

            return new IndexRequest(indexOf(ms)).id(id(r)).source(Json.bytes(r), XContentType.JSON);
        }

        private static JsonNode parse(String s) {
            try {
                return Json.MAPPER.readTree(s);
            } catch (IOException e) {
                throw new IllegalArgumentException("not an audit record: " + e.getMessage(), e);
            }
        }
    }
}

package io.akmon.flink.sink.es;

import io.akmon.flink.sink.Json;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.elasticsearch.sink.ElasticsearchEmitter;
import org.apache.flink.connector.elasticsearch.sink.RequestIndexer;
import org.apache.flink.util.function.SerializableFunction;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.common.xcontent.XContentType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Turns each document into an index request with its deterministic id, into the dated index of its
 * timestamp. Indexing (not creating) under a fixed id makes every write an upsert: a replay after a
 * failure overwrites the same documents instead of adding copies.
 *
 * <p>When the writer opens it installs the templates (so the first document gets the explicit mapping)
 * and, if a retention is configured, applies it now and then every retention interval.
 */
public class DocumentEmitter<T> implements ElasticsearchEmitter<T> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DocumentEmitter.class);

    private final EsSinkOptions options;
    private final String family;
    private final SerializableFunction<T, String> id;
    private final SerializableFunction<T, Long> timestamp;
    private final IndexNames names;
    private transient ScheduledExecutorService housekeeping;

    public DocumentEmitter(EsSinkOptions options, String family, SerializableFunction<T, String> id,
                           SerializableFunction<T, Long> timestamp) {
        this.options = options;
        this.family = family;
        this.id = id;
        this.timestamp = timestamp;
        this.names = options.indexNames();
    }

    @Override
    public void open() {
        if (options.setup) {
            // Fails the task while ES is unreachable; the job's restart strategy retries it.
            try (EsClient es = EsClient.of(options)) {
                IndexTemplates.install(es, options, Instant.now());
            }
        }
        if (options.retentionDays > 0 && !options.retentionInterval.isZero()) {
            housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "akmon-es-retention");
                t.setDaemon(true);
                return t;
            });
            long every = options.retentionInterval.toMillis();
            housekeeping.scheduleWithFixedDelay(this::applyRetention, 0, every, TimeUnit.MILLISECONDS);
        }
    }

    private void applyRetention() {
        try (EsClient es = EsClient.of(options)) {
            var deleted = Retention.apply(es, options, Instant.now());
            if (!deleted.isEmpty()) {
                LOG.info("retention of {} days deleted {}", options.retentionDays, deleted);
            }
        } catch (RuntimeException e) {
            // The next run tries again; retention must never disturb the writes.
            LOG.warn("retention failed: {}", e.toString());
        }
    }

    @Override
    public void emit(T document, SinkWriter.Context context, RequestIndexer indexer) {
        indexer.add(request(document));
    }

    /** The dated index of a timestamp, in this emitter's family. */
    protected String indexOf(long timestampMillis) {
        return names.index(family, timestampMillis);
    }

    /** The index request for one document. */
    public IndexRequest request(T document) {
        return new IndexRequest(names.index(family, timestamp.apply(document)))
                .id(id.apply(document))
                .source(Json.bytes(document), XContentType.JSON);
    }

    @Override
    public void close() {
        if (housekeeping != null) {
            housekeeping.shutdownNow();
        }
    }
}

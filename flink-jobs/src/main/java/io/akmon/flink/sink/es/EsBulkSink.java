package io.akmon.flink.sink.es;

import io.akmon.flink.sink.DeadLetterChannel;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.elasticsearch.sink.ElasticsearchEmitter;

import java.io.IOException;

/**
 * The jobs' Elasticsearch sink. It writes bulk requests and judges every item of the answer on its own:
 * retryable failures (429, 5xx, timeouts, an unreachable node) are sent again with backoff while the job
 * waits; permanent ones (mapping conflict, document too large, bad request) go with Elasticsearch's
 * reason to the dead-letter channel, counted, and the job goes on with the rest. At least once: every
 * checkpoint waits until the buffered documents are stored or dead-lettered; deterministic document
 * ids turn the repeated writes of a replay into overwrites.
 *
 * <p>Why not the connector's own {@code ElasticsearchSink}: its writer (flink-connector-elasticsearch7
 * 3.0.1) fails the job on the first failed bulk item and takes no failure handler, so one mapping conflict
 * halts both jobs; the deprecated SinkFunction's handler can only retry or throw. This sink keeps the
 * connector's {@link ElasticsearchEmitter} and the Elasticsearch client, and adds the per-item judgement.
 */
public final class EsBulkSink<T> implements Sink<T> {
    private static final long serialVersionUID = 1L;

    private final EsSinkOptions options;
    private final ElasticsearchEmitter<T> emitter;
    private final DeadLetterChannel deadLetters;
    private final boolean refreshOnWrite;

    public EsBulkSink(EsSinkOptions options, ElasticsearchEmitter<T> emitter, DeadLetterChannel deadLetters) {
        this(options, emitter, deadLetters, false);
    }

    /**
     * @param refreshOnWrite every bulk request refreshes the shards it wrote, so its documents are searchable
     *                       when it returns instead of at the index's next refresh (up to a second later);
     *                       for small, urgent documents such as alerts
     */
    public EsBulkSink(EsSinkOptions options, ElasticsearchEmitter<T> emitter, DeadLetterChannel deadLetters,
                      boolean refreshOnWrite) {
        this.options = options;
        this.emitter = emitter;
        this.deadLetters = deadLetters;
        this.refreshOnWrite = refreshOnWrite;
    }

    @Override
    @SuppressWarnings("deprecation")
    public SinkWriter<T> createWriter(InitContext context) throws IOException {
        return new EsBulkWriter<>(options, emitter, deadLetters, context.getProcessingTimeService(),
                context.metricGroup(), refreshOnWrite);
    }
}

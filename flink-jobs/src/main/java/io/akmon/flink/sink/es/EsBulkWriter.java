package io.akmon.flink.sink.es;

import io.akmon.flink.ingest.DeadLetter;
import io.akmon.flink.ingest.DeadLetterPayload;
import io.akmon.flink.sink.DeadLetterChannel;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.elasticsearch.sink.ElasticsearchEmitter;
import org.apache.flink.connector.elasticsearch.sink.RequestIndexer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.action.DocWriteRequest;
import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.action.delete.DeleteRequest;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.action.update.UpdateRequest;
import org.elasticsearch.client.RequestOptions;
import org.elasticsearch.client.RestClient;
import org.elasticsearch.client.RestHighLevelClient;
import org.elasticsearch.common.bytes.BytesReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** Buffers index requests and writes them in bulk, item by item as {@link EsBulkSink} describes. */
final class EsBulkWriter<T> implements SinkWriter<T> {
    private static final Logger LOG = LoggerFactory.getLogger(EsBulkWriter.class);

    private final EsSinkOptions options;
    private final ElasticsearchEmitter<T> emitter;
    private final RestHighLevelClient client;
    private final DeadLetterChannel.Writer deadLetters;
    private final ProcessingTimeService time;
    private final long maxBulkBytes;
    private final boolean refreshOnWrite;
    private final List<DocWriteRequest<?>> buffer = new ArrayList<>();
    private long bufferedBytes;
    private long lastFlush;
    private final RequestIndexer indexer = new RequestIndexer() {
        @Override
        public void add(DeleteRequest... requests) {
            for (DeleteRequest r : requests) {
                buffer(r, 0);
            }
        }

        @Override
        public void add(IndexRequest... requests) {
            for (IndexRequest r : requests) {
                buffer(r, r.source() == null ? 0 : r.source().length());
            }
        }

        @Override
        public void add(UpdateRequest... requests) {
            for (UpdateRequest r : requests) {
                buffer(r, r.doc() == null || r.doc().source() == null ? 0 : r.doc().source().length());
            }
        }
    };

    private final Counter stored;
    private final Counter deadLettered;
    private final Counter retries;

    EsBulkWriter(EsSinkOptions options, ElasticsearchEmitter<T> emitter, DeadLetterChannel deadLetterChannel,
                 ProcessingTimeService time, MetricGroup metrics, boolean refreshOnWrite) throws IOException {
        this.options = options;
        this.refreshOnWrite = refreshOnWrite;
        this.emitter = emitter;
        this.time = time;
        this.maxBulkBytes = (long) options.bulkSizeMb << 20;
        this.client = new RestHighLevelClient(options.security.configure(RestClient.builder(options.httpHosts())
                .setRequestConfigCallback(c -> c.setConnectTimeout(5_000)
                        .setSocketTimeout((int) options.socketTimeout.toMillis()))));
        this.stored = metrics.counter("esDocuments");
        this.deadLettered = metrics.counter("esDeadLetters");
        this.retries = metrics.counter("esRetries");
        try {
            emitter.open();
        } catch (Exception e) {
            client.close();
            throw new IOException("cannot open the Elasticsearch emitter: " + e.getMessage(), e);
        }
        this.deadLetters = deadLetterChannel.open();
        this.lastFlush = time.getCurrentProcessingTime();
        scheduleFlush();
    }

    private void buffer(DocWriteRequest<?> request, long bytes) {
        buffer.add(request);
        bufferedBytes += bytes;
    }

    @Override
    public void write(T element, Context context) throws IOException, InterruptedException {
        emitter.emit(element, context, indexer);
        if (buffer.size() >= options.bulkActions || bufferedBytes >= maxBulkBytes) {
            send();
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        send();
        deadLetters.flush();
    }

    private void scheduleFlush() {
        long interval = options.flushInterval.toMillis();
        if (interval <= 0) {
            return;
        }
        time.registerTimer(time.getCurrentProcessingTime() + interval, now -> {
            if (!buffer.isEmpty() && now - lastFlush >= interval) {
                send();
            }
            scheduleFlush();
        });
    }

    /** Sends the whole buffer and returns when every document is stored or dead-lettered. */
    private void send() throws IOException, InterruptedException {
        lastFlush = time.getCurrentProcessingTime();
        if (buffer.isEmpty()) {
            return;
        }
        Deque<List<DocWriteRequest<?>>> batches = new ArrayDeque<>();
        List<DocWriteRequest<?>> first = new ArrayList<>();
        for (DocWriteRequest<?> r : buffer) {
            long size = sourceBytes(r);
            if (size > options.maxDocumentBytes) {
                deadLetter(r, "document of " + size + " bytes is larger than --es-max-document-size "
                        + options.maxDocumentBytes + " bytes", -1);
            } else {
                first.add(r);
            }
        }
        buffer.clear();
        bufferedBytes = 0;
        if (!first.isEmpty()) {
            batches.add(first);
        }
        int attempt = 0;
        while (!batches.isEmpty()) {
            List<DocWriteRequest<?>> batch = batches.poll();
            BulkRequest bulk = new BulkRequest();
            batch.forEach(bulk::add);
            if (refreshOnWrite) {
                bulk.setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
            }
            List<DocWriteRequest<?>> again = new ArrayList<>();
            String why;
            try {
                BulkResponse response = client.bulk(bulk, RequestOptions.DEFAULT);
                BulkItemResponse[] items = response.getItems();
                for (int i = 0; i < items.length; i++) {
                    BulkItemResponse item = items[i];
                    if (!item.isFailed()) {
                        stored.inc();
                    } else if (EsFailures.retryable(item.status().getStatus())) {
                        again.add(batch.get(i));
                    } else {
                        deadLetter(batch.get(i), item.getFailureMessage(), item.status().getStatus());
                    }
                }
                why = again.isEmpty() ? null : again.size() + " of " + batch.size() + " documents refused for now ("
                        + firstRetryableReason(items) + ")";
            } catch (ElasticsearchStatusException e) {
                // The whole request was refused.
                int status = e.status().getStatus();
                if (EsFailures.retryable(status)) {
                    again = batch;
                    why = "bulk request refused with " + status + ": " + e.getMessage();
                } else if (batch.size() > 1) {
                    // e.g. 413: halve the request until the document at fault stands alone.
                    batches.addFirst(new ArrayList<>(batch.subList(batch.size() / 2, batch.size())));
                    batches.addFirst(new ArrayList<>(batch.subList(0, batch.size() / 2)));
                    continue;
                } else {
                    deadLetter(batch.get(0), e.getMessage(), status);
                    continue;
                }
            } catch (IOException e) {
                // Timeout, refused connection, node down: nothing was judged, so all of it again.
                again = batch;
                why = "Elasticsearch unreachable at " + options.hosts + ": " + e;
            }
            if (again.isEmpty()) {
                attempt = 0;
                continue;
            }
            if (options.backoff == EsSinkOptions.Backoff.NONE
                    || (options.backoffRetries > 0 && attempt >= options.backoffRetries)) {
                throw new IOException("Elasticsearch write failed after " + attempt + " retries: " + why
                        + "; fix: check the cluster, or raise --es-backoff-retries (0 waits for ever)");
            }
            long delay = EsFailures.delayMillis(options.backoff, options.backoffDelay.toMillis(),
                    options.backoffMaxDelay.toMillis(), attempt);
            LOG.warn("retry {} in {} ms: {}", attempt + 1, delay, why);
            retries.inc(again.size());
            attempt++;
            Thread.sleep(delay);
            batches.addFirst(again);
        }
    }

    private static String firstRetryableReason(BulkItemResponse[] items) {
        for (BulkItemResponse item : items) {
            if (item.isFailed() && EsFailures.retryable(item.status().getStatus())) {
                return item.status().getStatus() + " " + item.getFailureMessage();
            }
        }
        return "";
    }

    private void deadLetter(DocWriteRequest<?> request, String reason, int status) {
        byte[] source = source(request);
        DeadLetter d = DeadLetterPayload.of("elasticsearch rejected document " + request.id()
                        + (status > 0 ? " (" + status + ")" : "") + ": " + reason,
                request.index(), -1, -1, source);
        LOG.warn("dead letter: {}", d.reason);
        deadLetters.send(d);
        deadLettered.inc();
    }

    private static long sourceBytes(DocWriteRequest<?> r) {
        if (r instanceof IndexRequest i && i.source() != null) {
            return i.source().length();
        }
        if (r instanceof UpdateRequest u && u.doc() != null && u.doc().source() != null) {
            return u.doc().source().length();
        }
        return 0;
    }

    private static byte[] source(DocWriteRequest<?> r) {
        if (r instanceof IndexRequest i && i.source() != null) {
            return BytesReference.toBytes(i.source());
        }
        if (r instanceof UpdateRequest u && u.doc() != null && u.doc().source() != null) {
            return BytesReference.toBytes(u.doc().source());
        }
        return r.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        try {
            emitter.close();
        } finally {
            try {
                deadLetters.close();
            } finally {
                client.close();
            }
        }
    }
}

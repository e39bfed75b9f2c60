package io.akmon.flink.sink.es;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.aggregate.HostAggregate;
import io.akmon.flink.aggregate.SyscallCount;
import io.akmon.flink.sink.Json;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.elasticsearch.sink.RequestIndexer;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.common.xcontent.XContentType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Aggregates as documents, plus one {@code kind: syscall} document per syscall name in each host window.
 * A host document holds its syscalls as an array, which Elasticsearch (and so Grafana) cannot total per
 * name; these small documents can be: terms on {@code syscall}, sum of {@code syscall_count}. Their ids
 * ({@code syscall/<resolution>/<host>/<name>/<window start>}) are deterministic like every other id.
 */
public class AggregateEmitter extends DocumentEmitter<Aggregate> {
    private static final long serialVersionUID = 1L;
    public static final String SYSCALL_KIND = "syscall";

    public AggregateEmitter(EsSinkOptions options) {
        super(options, IndexNames.METRICS, a -> a.id, a -> a.timestamp);
    }

    @Override
    public void emit(Aggregate aggregate, SinkWriter.Context context, RequestIndexer indexer) {
        indexer.add(request(aggregate));
        for (Map<String, Object> doc : syscallDocuments(aggregate)) {
            indexer.add(new IndexRequest(indexOf(aggregate.timestamp))
                    .id((String) doc.get("id"))
                    .source(Json.bytes(doc), XContentType.JSON));
        }
    }

    /** The per-name documents of a host window; none for other kinds. */
    public static List<Map<String, Object>> syscallDocuments(Aggregate aggregate) {
        List<Map<String, Object>> docs = new ArrayList<>();
        if (!(aggregate instanceof HostAggregate host) || host.syscalls == null) {
            return docs;
        }
        for (SyscallCount s : host.syscalls) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("id", SYSCALL_KIND + '/' + host.resolution + '/' + host.host + '/' + s.name + '/' + host.timestamp);
            d.put("kind", SYSCALL_KIND);
            d.put("resolution", host.resolution);
            d.put("timestamp", host.timestamp);
            d.put("window_end", host.windowEnd);
            d.put("host", host.host);
            d.put("coverage", host.coverage);
            d.put("syscall", s.name);
            d.put("syscall_count", s.count);
            d.put("syscall_errors", s.errors);
            docs.add(d);
        }
        return docs;
    }
}

package io.akmon.flink.sink.es;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.aggregate.HostAggregate;
import io.akmon.flink.aggregate.SyscallCount;
import io.akmon.flink.sink.Json;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.elasticsearch.sink.RequestIndexer;
import com.fasterxml.jackson.core.type.TypeReference;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.action.update.UpdateRequest;
import org.elasticsearch.script.Script;
import org.elasticsearch.script.ScriptType;
import org.elasticsearch.common.xcontent.XContentType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Aggregates as documents, plus one {@code kind: syscall} document per syscall name in each host window.
 * A host document holds its syscalls as an array, which Elasticsearch (and so Grafana) cannot total per
 * name; these small documents can be: terms on {@code syscall}, sum of {@code syscall_count}. Their ids
 * ({@code syscall/<resolution>/<host>/<name>/<window start>}) are deterministic like every other id.
 *
 * <p>A final document ({@code final: true}) is indexed and so replaces whatever the id held. A live partial
 * ({@code final: false}) is an upsert whose script leaves a final document alone: a partial that a replay
 * after a restore sends again for a window already closed never takes the final one's place.
 */
public class AggregateEmitter extends DocumentEmitter<Aggregate> {
    private static final long serialVersionUID = 1L;
    public static final String SYSCALL_KIND = "syscall";

    public AggregateEmitter(EsSinkOptions options) {
        super(options, IndexNames.METRICS, a -> a.id, a -> a.timestamp);
    }

    @Override
    public void emit(Aggregate aggregate, SinkWriter.Context context, RequestIndexer indexer) {
        String index = indexOf(aggregate.timestamp);
        if (aggregate.isFinal) {
            indexer.add(request(aggregate));
        } else {
            indexer.add(livePartial(index, aggregate.id, aggregate.jsonBytes()));
        }
        for (Map<String, Object> doc : syscallDocuments(aggregate)) {
            String id = (String) doc.get("id");
            byte[] source = Json.bytes(doc);
            if (aggregate.isFinal) {
                indexer.add(new IndexRequest(index).id(id).source(source, XContentType.JSON));
            } else {
                indexer.add(livePartial(index, id, source));
            }
        }
    }

    /** Replaces the document unless it is final already. */
    static final String KEEP_FINAL = "if (ctx._source['final'] == true) { ctx.op = 'none' } "
            + "else { ctx._source.clear(); ctx._source.putAll(params.doc) }";

    /** An upsert of a live partial: inserted as it is if the id is new, else {@link #KEEP_FINAL}. */
    static UpdateRequest livePartial(String index, String id, byte[] source) {
        Map<String, Object> doc;
        try {
            doc = Json.MAPPER.readValue(source, new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalStateException("cannot read back document " + id, e);
        }
        return new UpdateRequest(index, id)
                .script(new Script(ScriptType.INLINE, Script.DEFAULT_SCRIPT_LANG, KEEP_FINAL, Map.of("doc", doc)))
                .upsert(source, XContentType.JSON);
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
            d.put("final", host.isFinal);
            d.put("syscall", s.name);
            d.put("syscall_count", s.count);
            d.put("syscall_errors", s.errors);
            docs.add(d);
        }
        return docs;
    }
}

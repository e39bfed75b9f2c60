package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedElasticsearch;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * A real Elasticsearch node for the sink tests of a class ({@code @RegisterExtension static final EsNode ES
 * = new EsNode();}): started before the first test, stopped after the last, with a client, the sink
 * options those tests write with, and every stored document of an alias.
 */
final class EsNode implements BeforeAllCallback, AfterAllCallback {
    private EmbeddedElasticsearch es;
    private EsClient client;

    @Override
    public void beforeAll(ExtensionContext context) {
        es = EmbeddedElasticsearch.start();
        client = EsClient.connect(es.httpUrl());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (client != null) {
            client.close();
        }
        if (es != null) {
            es.close();
        }
    }

    /** The node itself, e.g. to stop and restart it. */
    EmbeddedElasticsearch node() {
        return es;
    }

    String url() {
        return es.httpUrl();
    }

    EsClient client() {
        return client;
    }

    /** Small bulks flushed every 200 ms into indices of {@code prefix}, no retention. */
    EsSinkOptions options(String prefix) {
        EsSinkOptions o = EsSinkOptions.defaults().hosts(es.httpUrl());
        o.indexPrefix = prefix;
        o.bulkActions = 20;
        o.flushInterval = Duration.ofMillis(200);
        o.retentionDays = 0;
        return o;
    }

    /** Every document of an alias (or index) by id, as stored. */
    Map<String, JsonNode> documents(String alias) {
        return documents(client, alias);
    }

    /** As above, through {@code client}. */
    static Map<String, JsonNode> documents(EsClient client, String alias) {
        client.call("POST", "/" + alias + "/_refresh", null);
        JsonNode hits = client.call("POST", "/" + alias + "/_search",
                Map.of("size", 10_000, "query", Map.of("match_all", Map.of()))).path("hits").path("hits");
        Map<String, JsonNode> docs = new TreeMap<>();
        hits.forEach(h -> docs.put(h.path("_id").asText(), h.path("_source")));
        return docs;
    }
}

package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.http.HttpHost;
import org.apache.http.entity.ContentType;
import org.apache.http.nio.entity.NStringEntity;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;

import java.io.IOException;
import java.io.UncheckedIOException;

/** A small JSON-over-HTTP client for the administrative calls (templates, indices, retention, queries). */
public final class EsClient implements AutoCloseable {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final RestClient rest;

    public EsClient(HttpHost... hosts) {
        this(new EsSecurityOptions(), hosts);
    }

    public EsClient(EsSecurityOptions security, HttpHost... hosts) {
        this.rest = security.configure(RestClient.builder(hosts)
                .setRequestConfigCallback(c -> c.setConnectTimeout(5_000).setSocketTimeout(60_000)))
                .build();
    }

    /** A client of the options' nodes, with their credentials and CA. */
    public static EsClient of(EsSinkOptions options) {
        return new EsClient(options.security, options.httpHosts());
    }

    public static EsClient connect(String... urls) {
        HttpHost[] hosts = new HttpHost[urls.length];
        for (int i = 0; i < urls.length; i++) {
            hosts[i] = HttpHost.create(urls[i]);
        }
        return new EsClient(hosts);
    }

    /** Sends a request; returns the parsed body, or null for 404 when {@code missingOk}. */
    public JsonNode call(String method, String endpoint, Object body, boolean missingOk) {
        Request request = new Request(method, endpoint);
        if (body != null) {
            String json;
            try {
                json = body instanceof String s ? s : MAPPER.writeValueAsString(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            request.setEntity(new NStringEntity(json, ContentType.APPLICATION_JSON));
        }
        try {
            Response response = rest.performRequest(request);
            return parse(response);
        } catch (ResponseException e) {
            if (missingOk && e.getResponse().getStatusLine().getStatusCode() == 404) {
                return null;
            }
            // The client's message carries the node's answer on a line of its own: one line here.
            throw new EsException(method + " " + endpoint + " failed: " + e.getMessage().replaceAll("\\s*\\R\\s*", " ").strip(),
                    e.getResponse().getStatusLine().getStatusCode(), e);
        } catch (IOException e) {
            throw new EsException(method + " " + endpoint + " failed: " + e, 0, e);
        }
    }

    public JsonNode call(String method, String endpoint, Object body) {
        return call(method, endpoint, body, false);
    }

    public JsonNode get(String endpoint) {
        return call("GET", endpoint, null, false);
    }

    private static JsonNode parse(Response response) throws IOException {
        if (response.getEntity() == null) {
            return MAPPER.createObjectNode();
        }
        String text = EntityUtils.toString(response.getEntity());
        return text.isEmpty() ? MAPPER.createObjectNode() : MAPPER.readTree(text);
    }

    @Override
    public void close() {
        try {
            rest.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A failed call; {@link #status} is the HTTP status, 0 when ES could not be reached. */
    public static class EsException extends RuntimeException {
        public final int status;

        public EsException(String message, int status, Throwable cause) {
            super(message, cause);
            this.status = status;
        }
    }
}

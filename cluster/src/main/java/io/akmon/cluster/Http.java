package io.akmon.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/** JSON over HTTP for the REST APIs of Flink and Elasticsearch. */
public final class Http {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Http() {
    }

    /** The response status and body of {@code METHOD url}. */
    public record Response(int status, JsonNode body, String text) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    public static Response call(String method, String url, String body) {
        try {
            HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
            c.setRequestMethod(method);
            c.setConnectTimeout(3000);
            c.setReadTimeout(30_000);
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/json");
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body.getBytes(StandardCharsets.UTF_8));
                }
            }
            int code = c.getResponseCode();
            String text;
            try (InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream()) {
                text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            JsonNode node = null;
            if (!text.isBlank() && (text.startsWith("{") || text.startsWith("["))) {
                node = JSON.readTree(text);
            }
            return new Response(code, node, text);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + url + ": " + e.getMessage(), e);
        }
    }

    /** {@code GET url} as JSON; throws unless the status is 2xx. */
    public static JsonNode get(String url) {
        Response r = call("GET", url, null);
        if (!r.ok()) {
            throw new IllegalStateException("GET " + url + " -> " + r.status() + ": " + r.text());
        }
        return r.body();
    }

    /** Whether {@code GET url} answers 2xx now. */
    public static boolean answers(String url) {
        try {
            return call("GET", url, null).ok();
        } catch (UncheckedIOException e) {
            return false;
        }
    }
}

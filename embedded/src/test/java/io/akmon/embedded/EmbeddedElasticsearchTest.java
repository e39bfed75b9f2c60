package io.akmon.embedded;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedElasticsearchTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void indexesSurvivesRestartOnSamePortAndDeletesTemporaryData() throws Exception {
        Path dir;
        try (EmbeddedElasticsearch es = EmbeddedElasticsearch.start()) {
            dir = es.dataDir();
            assertTrue(es.httpUrl().startsWith("http://127.0.0.1:"));
            assertTrue(call(es, "GET", "/", null).body().contains("\"number\" : \"7.10.2\""));

            assertEquals(201, call(es, "PUT", "/t/_doc/a?refresh=true", "{\"v\":1}").statusCode());
            assertEquals(201, call(es, "PUT", "/t/_doc/b?refresh=true", "{\"v\":2}").statusCode());

            int port = es.port();
            es.stop();
            assertFalse(es.isRunning());
            assertThrows(IOException.class, () -> call(es, "GET", "/", null));

            es.restart();
            assertTrue(es.isRunning());
            assertEquals(port, es.port());
            call(es, "GET", "/_cluster/health/t?wait_for_status=yellow&timeout=30s", null);
            HttpResponse<String> count = call(es, "GET", "/t/_count", null);
            assertTrue(count.body().contains("\"count\":2"), count.body());
            assertTrue(call(es, "GET", "/t/_doc/b", null).body().contains("\"v\":2"));
        }
        assertFalse(Files.exists(dir));
    }

    private HttpResponse<String> call(EmbeddedElasticsearch es, String method, String path, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(es.httpUrl() + path))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}

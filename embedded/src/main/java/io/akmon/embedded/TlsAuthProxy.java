package io.akmon.embedded;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.Executors;

/**
 * An HTTPS endpoint on 127.0.0.1 that demands credentials and passes authenticated requests on to a
 * plain-HTTP node (a reverse proxy with basic auth, as is often put in front of Elasticsearch 7 OSS,
 * which has no security of its own). Accepts basic auth for one user and one API key; anything else
 * gets 401 and never reaches the node.
 */
public final class TlsAuthProxy implements AutoCloseable {
    private final HttpsServer server;
    private final HttpClient upstreamClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI upstream;
    private final Set<String> accepted;

    private TlsAuthProxy(HttpsServer server, URI upstream, Set<String> accepted) {
        this.server = server;
        this.upstream = upstream;
        this.accepted = accepted;
    }

    /**
     * Serves TLS with the key of {@code keystore} (PKCS12, {@code password}), in front of {@code upstreamUrl};
     * admits {@code user}:{@code userPassword} (basic) and the API key {@code apiKeyId}:{@code apiKey}.
     */
    public static TlsAuthProxy start(String upstreamUrl, Path keystore, String password, String user, String userPassword,
                                     String apiKeyId, String apiKey) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = java.nio.file.Files.newInputStream(keystore)) {
                ks.load(in, password.toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password.toCharArray());
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(kmf.getKeyManagers(), null, null);
            HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(ssl));
            server.setExecutor(Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "akmon-tls-proxy");
                t.setDaemon(true);
                return t;
            }));
            Base64.Encoder b64 = Base64.getEncoder();
            String apiToken = b64.encodeToString((apiKeyId + ":" + apiKey).getBytes(StandardCharsets.UTF_8));
            TlsAuthProxy proxy = new TlsAuthProxy(server, URI.create(upstreamUrl), Set.of(
                    "Basic " + b64.encodeToString((user + ":" + userPassword).getBytes(StandardCharsets.UTF_8)),
                    "ApiKey " + apiToken));
            server.createContext("/", proxy::handle);
            server.start();
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the TLS proxy", e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the TLS proxy's key from " + keystore, e);
        }
    }

    /** {@code https://127.0.0.1:PORT}. */
    public String httpsUrl() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            byte[] body = x.getRequestBody().readAllBytes();
            String auth = x.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !accepted.contains(auth.trim())) {
                byte[] msg = "{\"error\":\"unauthorized\",\"status\":401}".getBytes(StandardCharsets.UTF_8);
                x.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"akmon\"");
                x.getResponseHeaders().add("Content-Type", "application/json");
                x.sendResponseHeaders(401, msg.length);
                x.getResponseBody().write(msg);
                return;
            }
            HttpRequest.Builder req = HttpRequest.newBuilder(upstream.resolve(x.getRequestURI().toString()))
                    .timeout(Duration.ofSeconds(60))
                    .method(x.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            String type = x.getRequestHeaders().getFirst("Content-Type");
            if (type != null) {
                req.header("Content-Type", type);
            }
            HttpResponse<byte[]> r;
            try {
                r = upstreamClient.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                x.sendResponseHeaders(502, -1);
                return;
            }
            r.headers().firstValue("Content-Type").ifPresent(v -> x.getResponseHeaders().add("Content-Type", v));
            byte[] out = r.body();
            boolean noBody = x.getRequestMethod().equals("HEAD") || out.length == 0;
            x.sendResponseHeaders(r.statusCode(), noBody ? -1 : out.length);
            if (!noBody) {
                x.getResponseBody().write(out);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}

package io.akmon.flink.sink.es;

import org.apache.http.Header;
import org.apache.http.HttpHeaders;
import org.apache.http.message.BasicHeader;
import org.elasticsearch.client.RestClientBuilder;
import picocli.CommandLine.Option;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.function.Function;

/**
 * How the Elasticsearch clients (the sink, {@code akmon es}) authenticate and which CA they trust:
 * basic auth or an API key, secrets from a file or the environment, never from argv. A picocli mixin.
 * Secrets are read where the client is built, so with a Flink cluster the files (or variables) must be
 * there on the TaskManagers as well.
 */
public class EsSecurityOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String ENV_PASSWORD = "AKMON_ES_PASSWORD";
    public static final String ENV_API_KEY = "AKMON_ES_API_KEY";

    @Option(names = "--es-user", paramLabel = "NAME",
            description = "Basic-auth user for Elasticsearch (password from --es-password-file or $" + ENV_PASSWORD + ").")
    public String user;

    @Option(names = "--es-password-file", paramLabel = "FILE", description = "File holding the --es-user password.")
    public String passwordFile;

    @Option(names = "--es-api-key-file", paramLabel = "FILE",
            description = "File holding an Elasticsearch API key, as id:key or its base64 form (or set $" + ENV_API_KEY + "). Instead of --es-user.")
    public String apiKeyFile;

    @Option(names = "--es-ca", paramLabel = "FILE",
            description = "PEM CA certificates that the https:// nodes' certificates must chain to. Default: the JVM's CAs.")
    public String caFile;

    /** The Authorization header these options ask for, or null. */
    public Header authorization(Function<String, String> env) {
        String apiKey = apiKeyFile != null ? read(apiKeyFile, "--es-api-key-file") : user == null ? env.apply(ENV_API_KEY) : null;
        if (user != null && (apiKeyFile != null)) {
            throw new IllegalArgumentException("--es-user and --es-api-key-file both given; fix: use one of them");
        }
        if (apiKey != null && !apiKey.isBlank()) {
            String token = apiKey.contains(":") ? Base64.getEncoder().encodeToString(apiKey.getBytes(StandardCharsets.UTF_8)) : apiKey;
            return new BasicHeader(HttpHeaders.AUTHORIZATION, "ApiKey " + token);
        }
        if (user == null) {
            if (passwordFile != null) {
                throw new IllegalArgumentException("--es-password-file given without --es-user; fix: add --es-user NAME");
            }
            return null;
        }
        String password = passwordFile != null ? read(passwordFile, "--es-password-file") : env.apply(ENV_PASSWORD);
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("the Elasticsearch password of user " + user
                    + " is missing; fix: give --es-password-file FILE or set $" + ENV_PASSWORD);
        }
        String basic = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return new BasicHeader(HttpHeaders.AUTHORIZATION, "Basic " + basic);
    }

    /** A TLS context trusting only {@link #caFile}, or null for the JVM's default. */
    public SSLContext sslContext() {
        if (caFile == null) {
            return null;
        }
        try (InputStream in = Files.newInputStream(Path.of(caFile))) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int n = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + n++, c);
            }
            if (n == 0) {
                throw new IllegalArgumentException("--es-ca " + caFile + " holds no certificate; fix: give the CA certificate(s) in PEM");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --es-ca " + caFile + ": " + e.getMessage() + "; fix: check the path and its permissions");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("--es-ca " + caFile + " is not PEM certificates: " + e.getMessage()
                    + "; fix: give the CA certificate(s) in PEM");
        }
    }

    /** Applies the credentials and the CA to a client builder. */
    public RestClientBuilder configure(RestClientBuilder builder) {
        Header auth = authorization(System::getenv);
        if (auth != null) {
            builder.setDefaultHeaders(new Header[] {auth});
        }
        SSLContext ssl = sslContext();
        if (ssl != null) {
            builder.setHttpClientConfigCallback(http -> http.setSSLContext(ssl));
        }
        return builder;
    }

    private static String read(String name, String option) {
        Path file = Path.of(name);
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (s.isEmpty()) {
                throw new IllegalArgumentException(option + " " + file + " is empty; fix: write the secret into it");
            }
            return s;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + option + " " + file + ": " + e.getMessage()
                    + "; fix: check the path and its permissions");
        }
    }
}

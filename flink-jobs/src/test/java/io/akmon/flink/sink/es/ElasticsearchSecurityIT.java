package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.Certificates;
import io.akmon.embedded.EmbeddedElasticsearch;
import io.akmon.embedded.TlsAuthProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sink and {@code akmon es} with credentials and a CA, against a real node behind an HTTPS endpoint
 * that demands basic auth or an API key: the right secrets store every document; a wrong password and
 * an untrusted certificate are refused with one line saying what to check.
 */
class ElasticsearchSecurityIT {
    @TempDir
    static Path dir;

    static EmbeddedElasticsearch es;
    static TlsAuthProxy proxy;
    static Certificates ca;
    static Certificates otherCa;
    static EsClient direct;
    static Path password;
    static Path wrongPassword;
    static Path apiKey;

    @BeforeAll
    static void start() throws Exception {
        es = EmbeddedElasticsearch.start();
        direct = EsClient.connect(es.httpUrl());
        ca = Certificates.authority(dir.resolve("ca"), "akmon-test-ca");
        otherCa = Certificates.authority(dir.resolve("other"), "some-other-ca");
        proxy = TlsAuthProxy.start(es.httpUrl(), ca.keystore("elasticsearch"), ca.password(),
                "akmon", "es-secret", "akmon-key-id", "akmon-key-secret");
        password = Files.writeString(dir.resolve("es.password"), "es-secret\n");
        wrongPassword = Files.writeString(dir.resolve("wrong.password"), "not-the-secret\n");
        apiKey = Files.writeString(dir.resolve("es.apikey"), "akmon-key-id:akmon-key-secret\n");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (direct != null) {
            direct.close();
        }
        if (es != null) {
            es.close();
        }
    }

    static Map<String, JsonNode> documents(String alias) {
        return EsNode.documents(direct, alias);
    }

    @Test
    void theSinkWithBasicAuthOverTlsStoresEveryDocument() throws Exception {
        EsSinkOptions options = EsSinkOptions.defaults().hosts(proxy.httpsUrl());
        options.indexPrefix = "secure";
        options.retentionDays = 0;
        options.bulkActions = 20;
        options.flushInterval = java.time.Duration.ofMillis(200);
        options.security.user = "akmon";
        options.security.passwordFile = password.toString();
        options.security.caFile = ca.caPem().toString();
        long end = Instant.parse("2026-11-24T10:00:05Z").toEpochMilli();
        int windows = 3;
        SinkPipeline.run(options, end, windows);
        assertEquals(ElasticsearchSinkIT.expected(new AggregateFixtures(end, windows), windows), documents("secure-metrics"));
    }

    @Test
    void esSetupWithAnApiKeyOverTlsInstallsTheTemplates() throws Exception {
        String[] r = EsSetupIT.run(new EsSetupCommand(), "--es", proxy.httpsUrl(), "--index-prefix", "keyed",
                "--es-api-key-file", apiKey.toString(), "--es-ca", ca.caPem().toString(), "--json");
        assertEquals("0", r[0], r[1] + r[2]);
        assertEquals("keyed-metrics", direct.get("/_index_template/keyed-metrics").path("index_templates").path(0).path("name").asText(),
                "the template is on the node");
    }

    @Test
    void aWrongPasswordIsRefusedWithOneLineNamingTheCredentialOptions() {
        String[] r = EsSetupIT.run(new EsSetupCommand(), "--es", proxy.httpsUrl(), "--index-prefix", "wrong",
                "--es-user", "akmon", "--es-password-file", wrongPassword.toString(), "--es-ca", ca.caPem().toString());
        assertEquals("1", r[0], r[1] + r[2]);
        String line = r[2].strip();
        assertFalse(line.contains("\n"), line);
        assertTrue(line.startsWith("akmon es: ") && line.contains("401")
                && line.endsWith("fix: check the credentials: --es-user with --es-password-file, or --es-api-key-file"), line);
        assertFalse(line.contains("not-the-secret"), "the password is not echoed");
        assertEquals(null, direct.call("GET", "/_index_template/wrong-metrics", null, true), "nothing reached the node");
    }

    @Test
    void aCertificateFromAnUntrustedCaIsRefusedWithOneLineNamingTheCaOption() {
        String[] r = EsSetupIT.run(new EsSetupCommand(), "--es", proxy.httpsUrl(), "--index-prefix", "untrusted",
                "--es-user", "akmon", "--es-password-file", password.toString(), "--es-ca", otherCa.caPem().toString());
        assertEquals("1", r[0], r[1] + r[2]);
        String line = r[2].strip();
        assertFalse(line.contains("\n"), line);
        assertTrue(line.contains("SSL") || line.contains("PKIX") || line.contains("certificate"), line);
        assertTrue(line.endsWith("fix: check that --es-ca holds the CA of the nodes' certificates and that the names in --es match them"), line);
        assertEquals(null, direct.call("GET", "/_index_template/untrusted-metrics", null, true), "nothing reached the node");
    }
}

package io.akmon.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A real broker that demands authentication, for the security tests of every Kafka client: a SASL_SSL
 * listener ({@code SECURE}, SCRAM-SHA-512), a mutual-TLS listener ({@code MTLS}) and ACLs under KRaft's
 * StandardAuthorizer. The plaintext listener ({@link EmbeddedKafka#bootstrapServers()}, also used between
 * broker and controller) is the operator's: a super user, for writing test input and reading results.
 *
 * <p>Principals: {@code akmon} (password {@link #akmonPassword}) may do anything on topics {@code sec.*},
 * {@code ro.*} and {@code akmon.*} and use any consumer group; {@code reader} may only describe and read {@code ro.*};
 * {@code CN=akmon-agent} (a client certificate of {@link #ca}) may do anything on {@code mtls.*}.
 * {@link #otherCa} signs certificates the broker does not trust.
 */
public final class SecureKafka implements AutoCloseable {
    public static final String SECURE = "SECURE";
    public static final String MTLS = "MTLS";

    public final Certificates ca;
    public final Certificates otherCa;
    public final EmbeddedKafka kafka;
    /** Files holding the passwords: akmon's, reader's, a wrong one, and the keystores' of {@link #ca}. */
    public final Path akmonPassword;
    public final Path readerPassword;
    public final Path wrongPassword;
    public final Path storePassword;

    private SecureKafka(Path pki) {
        ca = Certificates.authority(pki.resolve("ca"), "akmon-test-ca");
        otherCa = Certificates.authority(pki.resolve("other"), "some-other-ca");
        Path broker = ca.keystore("broker");
        storePassword = write(pki.resolve("store.password"), ca.password());
        akmonPassword = write(pki.resolve("akmon.password"), "right-password");
        readerPassword = write(pki.resolve("reader.password"), "reader-password");
        wrongPassword = write(pki.resolve("wrong.password"), "wrong-password");
        EmbeddedKafka.Options o = EmbeddedKafka.Options.defaults()
                .listener(SECURE, "SASL_SSL")
                .listener(MTLS, "SSL")
                .brokerProperty("ssl.keystore.location", broker.toString())
                .brokerProperty("ssl.keystore.type", "PKCS12")
                .brokerProperty("ssl.keystore.password", ca.password())
                .brokerProperty("ssl.key.password", ca.password())
                .brokerProperty("ssl.truststore.location", ca.truststore().toString())
                .brokerProperty("ssl.truststore.type", "PKCS12")
                .brokerProperty("ssl.truststore.password", ca.password())
                .brokerProperty("listener.name.mtls.ssl.client.auth", "required")
                .brokerProperty("sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .brokerProperty("listener.name.secure.scram-sha-512.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                .brokerProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .brokerProperty("super.users", "User:ANONYMOUS");
        kafka = EmbeddedKafka.start(o);
    }

    /** Starts the broker with its users and ACLs; certificates and password files go below {@code pki}. */
    public static SecureKafka start(Path pki) {
        SecureKafka s = new SecureKafka(pki);
        try {
            s.addUsersAndAcls();
            s.awaitScramUser();
            return s;
        } catch (Exception e) {
            s.close();
            throw new IllegalStateException("the secured broker did not come up: " + e, e);
        }
    }

    /** {@code host:port} of the SASL_SSL listener. */
    public String secureAddress() {
        return kafka.listenerAddress(SECURE);
    }

    /** {@code host:port} of the mutual-TLS listener. */
    public String mtlsAddress() {
        return kafka.listenerAddress(MTLS);
    }

    private void addUsersAndAcls() throws Exception {
        try (Admin admin = kafka.admin()) {
            admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("akmon", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "right-password"),
                    new UserScramCredentialUpsertion("reader", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "reader-password")))
                    .all().get(30, TimeUnit.SECONDS);
            List<AclBinding> acls = new ArrayList<>();
            for (String prefix : List.of("sec.", "ro.", "akmon.")) {
                acls.add(allow("User:akmon", ResourceType.TOPIC, prefix, AclOperation.ALL));
            }
            acls.add(new AclBinding(new ResourcePattern(ResourceType.GROUP, ResourcePattern.WILDCARD_RESOURCE, PatternType.LITERAL),
                    new AccessControlEntry("User:akmon", "*", AclOperation.ALL, AclPermissionType.ALLOW)));
            acls.add(allow("User:CN=akmon-agent", ResourceType.TOPIC, "mtls.", AclOperation.ALL));
            acls.add(allow("User:reader", ResourceType.TOPIC, "ro.", AclOperation.DESCRIBE));
            acls.add(allow("User:reader", ResourceType.TOPIC, "ro.", AclOperation.READ));
            for (String principal : List.of("User:akmon", "User:reader", "User:CN=akmon-agent")) {
                acls.add(new AclBinding(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL),
                        new AccessControlEntry(principal, "*", AclOperation.IDEMPOTENT_WRITE, AclPermissionType.ALLOW)));
            }
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static AclBinding allow(String principal, ResourceType type, String prefix, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, prefix, PatternType.PREFIXED),
                new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
    }

    /** The broker learns new SCRAM credentials from the metadata log a moment after the controller took them. */
    private void awaitScramUser() throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", secureAddress());
        p.put("security.protocol", "SASL_SSL");
        p.put("ssl.truststore.location", ca.caPem().toString());
        p.put("ssl.truststore.type", "PEM");
        p.put("sasl.mechanism", "SCRAM-SHA-512");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"akmon\" password=\"right-password\";");
        p.put("default.api.timeout.ms", "5000");
        p.put("request.timeout.ms", "5000");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Admin admin = Admin.create(p)) {
                admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        kafka.close();
    }
}

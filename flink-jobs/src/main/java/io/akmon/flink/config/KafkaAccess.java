package io.akmon.flink.config;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The first contact of a command with Kafka ({@code rules replay}, {@code status}): the topics it may see,
 * and credentials or certificates the brokers refuse as one line that names what to check (a usage
 * error, exit 2), not a stack trace or a silent empty answer.
 */
public final class KafkaAccess {
    private KafkaAccess() {
    }

    /**
     * The topics visible to this client.
     *
     * @param who what is asking, for the line: "the replay", "the status check"
     * @throws IllegalArgumentException when the brokers refuse the client's credentials or certificate
     */
    public static Set<String> topics(String bootstrapServers, Map<String, String> clientProperties, String who) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        clientProperties.forEach(p::put);
        try (Admin admin = Admin.create(p)) {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.AuthenticationException
                    || e.getCause() instanceof org.apache.kafka.common.errors.AuthorizationException) {
                String why = e.getCause().getMessage() == null ? e.getCause().toString()
                        : e.getCause().getMessage().lines().findFirst().orElse("").trim();
                throw new IllegalArgumentException("kafka at " + bootstrapServers + " refused " + who + ": " + why
                        + "; fix: check --kafka-user, --kafka-password-file, --kafka-ca and --kafka-keystore, and that the user "
                        + "may describe and read the topics");
            }
            throw e;
        }
    }
}

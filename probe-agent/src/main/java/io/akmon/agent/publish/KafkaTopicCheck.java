package io.akmon.agent.publish;

import io.akmon.agent.loader.ProbeException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaException;

import java.nio.file.Path;
import java.util.Set;

/**
 * {@link Publisher.TopicCheck} against the cluster: checks and creates the sink's topics through an
 * admin client ({@link TopicSetup}). At start-up a setting that cannot work is thrown and an unreachable
 * cluster is said once; later, a topic deleted while the agent ran is created again and said so.
 */
final class KafkaTopicCheck implements Publisher.TopicCheck {
    private final KafkaSinkConfig config;
    private final String host;
    private final Set<String> topics;
    private final Path spoolDir;
    private final ProblemLog log;

    KafkaTopicCheck(KafkaSinkConfig config, String host, Set<String> topics, Path spoolDir, ProblemLog log) {
        this.config = config;
        this.host = host;
        this.topics = topics;
        this.spoolDir = spoolDir;
        this.log = log;
    }

    @Override
    public boolean ready(long timeoutMs, boolean startup) {
        try (Admin admin = admin()) {
            Set<String> created = TopicSetup.ensure(admin, config, topics, timeoutMs);
            if (!startup && !created.isEmpty()) {
                log.warn("kafka topics " + created + " were missing at " + config.bootstrap
                        + " (deleted while the agent ran?) and were created again; the records waiting in the spool follow");
            } else if (!startup) {
                log.note("kafka at " + config.bootstrap + " reachable; topics ready");
            }
            return true;
        } catch (TopicSetup.Unreachable e) {
            if (startup) {
                log.warn("kafka at " + config.bootstrap + " is not reachable (" + ProblemLog.describe(e.getCause() != null ? e.getCause() : e)
                        + "); records are spooled in " + spoolDir + " until it is; fix: check --bootstrap and that the brokers are up");
            }
        } catch (ProbeException e) {
            if (startup) {
                throw e;
            }
            log.error(e.oneLine() + " (records stay spooled in " + spoolDir + ")");
        }
        return false;
    }

    private Admin admin() {
        try {
            return Admin.create(ClientSettings.admin(config, host));
        } catch (KafkaException e) {
            throw ClientSettings.problem(config, e);
        }
    }
}

package io.akmon.agent.publish;

import io.akmon.agent.loader.ProbeException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Checks that the sink's topics exist and creates the missing ones with the configured layout. */
final class TopicSetup {
    /** The cluster did not answer in time; try again later. */
    static final class Unreachable extends Exception {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private TopicSetup() {
    }

    /**
     * Makes sure every topic exists. Throws {@link ProbeException} for problems only the user can
     * fix (replication factor above the broker count, creation forbidden or off), {@link Unreachable}
     * if the cluster does not answer within {@code timeoutMs}. Returns the topics it created.
     */
    static Set<String> ensure(Admin admin, KafkaSinkConfig config, Collection<String> topics, long timeoutMs)
            throws Unreachable {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(1, timeoutMs));
        Set<String> created = ensureExist(admin, config, topics, timeoutMs);
        checkWritable(admin, config, topics, deadline);
        return created;
    }

    /**
     * An ACL that lets the client see a topic but not write it would only show as failed sends, again
     * and again; the brokers say up front which operations this principal may do.
     */
    private static void checkWritable(Admin admin, KafkaSinkConfig config, Collection<String> topics, long deadline)
            throws Unreachable {
        Map<String, org.apache.kafka.clients.admin.TopicDescription> described = get(admin.describeTopics(topics,
                        new org.apache.kafka.clients.admin.DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames(),
                deadline, config, "describe topics");
        Set<String> denied = new TreeSet<>();
        described.forEach((name, d) -> {
            Set<org.apache.kafka.common.acl.AclOperation> ops = d.authorizedOperations();
            if (ops != null && !ops.contains(org.apache.kafka.common.acl.AclOperation.WRITE)
                    && !ops.contains(org.apache.kafka.common.acl.AclOperation.ALL)) {
                denied.add(name);
            }
        });
        if (!denied.isEmpty()) {
            throw new ProbeException("not allowed to write kafka topics " + denied + " at " + config.bootstrap
                    + " (the brokers' ACLs deny this client WRITE)",
                    "grant the agent's principal WRITE and DESCRIBE on them, e.g. kafka-acls.sh --add --allow-principal User:NAME "
                            + "--operation Write --operation Describe --topic " + config.topicPrefix + " --resource-pattern-type prefixed");
        }
    }

    private static Set<String> ensureExist(Admin admin, KafkaSinkConfig config, Collection<String> topics, long timeoutMs)
            throws Unreachable {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(1, timeoutMs));
        Collection<Node> nodes = get(admin.describeCluster().nodes(), deadline, config, "describe the cluster");
        Set<String> existing = get(admin.listTopics().names(), deadline, config, "list topics");
        Set<String> missing = new TreeSet<>(topics);
        missing.removeAll(existing);
        if (missing.isEmpty()) {
            return missing;
        }
        if (!config.createTopics) {
            throw new ProbeException("kafka topics " + missing + " do not exist at " + config.bootstrap
                    + " and topic creation is off",
                    "create them (kafka-topics.sh --create --topic NAME --partitions " + config.partitions
                            + " --replication-factor " + config.replicationFactor + ") or turn creation on (create_topics: true)");
        }
        if (config.replicationFactor > nodes.size()) {
            throw replicationTooHigh(config, missing, nodes.size());
        }
        List<NewTopic> creates = new ArrayList<>();
        for (String t : missing) {
            creates.add(new NewTopic(t, config.partitions, config.replicationFactor));
        }
        for (Map.Entry<String, KafkaFuture<Void>> e : admin.createTopics(creates).values().entrySet()) {
            try {
                get(e.getValue(), deadline, config, "create topic " + e.getKey());
            } catch (ProbeException p) {
                Throwable cause = p.getCause();
                if (cause instanceof TopicExistsException) {
                    continue; // created concurrently
                }
                if (cause instanceof InvalidReplicationFactorException) {
                    throw replicationTooHigh(config, missing, nodes.size());
                }
                if (cause instanceof AuthorizationException) {
                    throw new ProbeException("not allowed to create kafka topic " + e.getKey() + " at " + config.bootstrap
                            + ": " + cause.getMessage(),
                            "create the topics beforehand (or grant this client CREATE on them) and set create_topics: false", cause);
                }
                if (cause instanceof PolicyViolationException || cause instanceof InvalidPartitionsException
                        || cause instanceof InvalidTopicException) {
                    throw new ProbeException("kafka refused to create topic " + e.getKey() + " with " + config.partitions
                            + " partitions and replication factor " + config.replicationFactor + ": " + cause.getMessage(),
                            "adjust --partitions / --replication-factor (or the topic names) to what the cluster allows", cause);
                }
                throw p;
            }
        }
        awaitLeaders(admin, config, missing, deadline);
        return missing;
    }

    /**
     * A new topic exists in the metadata before its partition leaders serve writes; records sent in
     * between come back as NOT_LEADER_OR_FOLLOWER and are retried by the producer. Listing offsets
     * goes to each leader, so once it answers the partitions take writes.
     */
    private static void awaitLeaders(Admin admin, KafkaSinkConfig config, Set<String> topics, long deadline) throws Unreachable {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (String t : topics) {
            for (int p = 0; p < config.partitions; p++) {
                latest.put(new TopicPartition(t, p), OffsetSpec.latest());
            }
        }
        get(admin.listOffsets(latest).all(), deadline, config, "wait for the leaders of the new topics");
    }

    private static ProbeException replicationTooHigh(KafkaSinkConfig config, Set<String> topics, int brokers) {
        return new ProbeException("replication factor " + config.replicationFactor + " for kafka topics " + topics
                + " exceeds the " + brokers + " broker(s) of the cluster at " + config.bootstrap,
                "set --replication-factor (kafka.replication_factor) to at most " + brokers);
    }

    private static <T> T get(KafkaFuture<T> future, long deadline, KafkaSinkConfig config, String what) throws Unreachable {
        long left = deadline - System.nanoTime();
        try {
            return future.get(Math.max(1, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new Unreachable("kafka at " + config.bootstrap + " did not answer (" + what + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted while waiting for kafka", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            ProbeException auth = KafkaProblems.authentication(cause, config.bootstrap, config.properties);
            if (auth != null) {
                throw auth;
            }
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException
                    || cause instanceof org.apache.kafka.common.errors.RetriableException
                    || cause instanceof org.apache.kafka.common.errors.DisconnectException) {
                throw new Unreachable("kafka at " + config.bootstrap + " did not answer (" + what + "): " + cause.getMessage(), cause);
            }
            if (cause instanceof AuthorizationException && !what.startsWith("create")) {
                throw new ProbeException("not allowed to " + what + " at " + config.bootstrap + ": " + cause.getMessage(),
                        "grant this client DESCRIBE on the cluster and topics, or fix the security settings in kafka properties", cause);
            }
            throw new ProbeException("kafka at " + config.bootstrap + " failed to " + what + ": " + cause, "check the cluster", cause);
        }
    }
}

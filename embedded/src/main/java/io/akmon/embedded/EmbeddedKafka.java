package io.akmon.embedded;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Kafka (KRaft, combined broker and controller) running in the current JVM on
 * free loopback ports.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
 *     props.put("bootstrap.servers", kafka.bootstrapServers());
 *     ...
 *     kafka.stop();     // broker down, port and data kept: clients see an outage
 *     kafka.restart();  // same port, same data
 * }                     // close(): stop, and delete the data if it lives in a temporary directory
 * }</pre>
 *
 * The broker's own logging goes through SLF4J; what is printed is up to the binding on the
 * classpath (the tests of this module use slf4j-simple at WARN).
 */
public final class EmbeddedKafka extends ServerLifecycle {

    /** Settings for {@link #start(Path, Options)}. */
    public static final class Options {
        private int partitions = 1;
        private boolean autoCreateTopics = false;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private final Map<String, String> clientProperties = new LinkedHashMap<>();
        private final Map<String, String> extraListeners = new LinkedHashMap<>();

        public static Options defaults() {
            return new Options();
        }

        /** Default partition count of topics created without an explicit count ({@code num.partitions}). */
        public Options partitions(int partitions) {
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
            }
            this.partitions = partitions;
            return this;
        }

        /** Whether producing to or fetching metadata of an unknown topic creates it (off by default). */
        public Options autoCreateTopics(boolean on) {
            this.autoCreateTopics = on;
            return this;
        }

        /** Any further broker setting; overrides the defaults chosen here. */
        public Options brokerProperty(String key, String value) {
            brokerProperties.put(key, value);
            return this;
        }

        /** A client setting for the broker's own admin client (readiness check, {@link #admin()}), e.g. SASL credentials. */
        public Options clientProperty(String key, String value) {
            clientProperties.put(key, value);
            return this;
        }

        /**
         * A further listener on its own free port of 127.0.0.1, e.g. {@code ("SECURE", "SASL_SSL")}; its
         * settings go in as {@code listener.name.secure.*} broker properties. The plaintext listener stays
         * for inter-broker traffic and {@link #admin()}.
         */
        public Options listener(String name, String securityProtocol) {
            extraListeners.put(name.toUpperCase(java.util.Locale.ROOT), securityProtocol);
            return this;
        }

        public int partitions() {
            return partitions;
        }

        public boolean autoCreateTopics() {
            return autoCreateTopics;
        }
    }

    private static final int NODE_ID = 1;

    private final Options options;
    private final int brokerPort;
    private final int controllerPort;
    private final Map<String, Integer> extraPorts = new LinkedHashMap<>();
    private KafkaRaftServer server;

    private EmbeddedKafka(Path dataDir, boolean temporary, Options options) {
        super(dataDir, temporary);
        this.options = options;
        int[] ports = freePorts(2 + options.extraListeners.size());
        this.brokerPort = ports[0];
        this.controllerPort = ports[1];
        int i = 2;
        for (String name : options.extraListeners.keySet()) {
            extraPorts.put(name, ports[i++]);
        }
    }

    /** Starts a broker whose data lives in a new temporary directory, deleted by {@link #close()}. */
    public static EmbeddedKafka start() {
        return start(Options.defaults());
    }

    public static EmbeddedKafka start(Options options) {
        try {
            return start(Files.createTempDirectory("akmon-kafka-"), true, options);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for Kafka", e);
        }
    }

    /**
     * Starts a broker keeping its data in {@code dataDir} (created if missing; an existing, already
     * formatted directory is reused with its topics and records). {@link #close()} keeps the data.
     */
    public static EmbeddedKafka start(Path dataDir) {
        return start(dataDir, Options.defaults());
    }

    public static EmbeddedKafka start(Path dataDir, Options options) {
        return start(dataDir, false, options);
    }

    private static EmbeddedKafka start(Path dataDir, boolean temporary, Options options) {
        EmbeddedKafka kafka = new EmbeddedKafka(dataDir, temporary, options);
        kafka.startOrClose();
        return kafka;
    }

    /** {@code host:port} of the broker listener, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    public int port() {
        return brokerPort;
    }

    /** {@code host:port} of a listener added with {@link Options#listener}. */
    public String listenerAddress(String name) {
        Integer port = extraPorts.get(name.toUpperCase(java.util.Locale.ROOT));
        if (port == null) {
            throw new IllegalArgumentException("no listener " + name + "; listeners: " + extraPorts.keySet());
        }
        return "127.0.0.1:" + port;
    }

    @Override
    protected String name() {
        return "EmbeddedKafka";
    }

    @Override
    protected void halt() {
        KafkaRaftServer s = server;
        server = null;
        if (s != null) {
            s.shutdown();
            s.awaitShutdown();
        }
    }

    /** Creates topics (replication factor 1); existing ones are left as they are. */
    public void createTopics(int partitions, String... topics) {
        List<NewTopic> newTopics = new ArrayList<>();
        for (String t : topics) {
            newTopics.add(new NewTopic(t, partitions, (short) 1));
        }
        try (Admin admin = admin()) {
            for (var e : admin.createTopics(newTopics).values().entrySet()) {
                try {
                    e.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + e.getKey(), ex.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("timed out creating topics", e);
        }
    }

    /** An admin client for this broker; the caller closes it. */
    public Admin admin() {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        props.putAll(options.clientProperties);
        return Admin.create(props);
    }

    // ---------------------------------------------------------------------------------------

    private Path logDir() {
        return dataDir().resolve("kafka-logs");
    }

    private Map<String, String> config() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        StringBuilder listeners = new StringBuilder("PLAINTEXT://127.0.0.1:" + brokerPort);
        StringBuilder advertised = new StringBuilder(listeners);
        StringBuilder protocols = new StringBuilder("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        options.extraListeners.forEach((name, protocol) -> {
            listeners.append(',').append(name).append("://127.0.0.1:").append(extraPorts.get(name));
            advertised.append(',').append(name).append("://127.0.0.1:").append(extraPorts.get(name));
            protocols.append(',').append(name).append(':').append(protocol);
        });
        p.put("listeners", listeners + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", advertised.toString());
        p.put("listener.security.protocol.map", protocols.toString());
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("log.dirs", logDir().toString());
        p.put("num.partitions", String.valueOf(options.partitions));
        p.put("auto.create.topics.enable", String.valueOf(options.autoCreateTopics));
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("num.replica.fetchers", "1");
        p.put("log.cleaner.threads", "1");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        p.put("controlled.shutdown.enable", "true");
        p.put("auto.leader.rebalance.enable", "false");
        p.putAll(options.brokerProperties);
        return p;
    }

    private void format() {
        if (Files.exists(logDir().resolve("meta.properties"))) {
            return;
        }
        Path configFile = dataDir().resolve("server.properties");
        Properties props = new Properties();
        props.putAll(config());
        try (OutputStream out = Files.newOutputStream(configFile)) {
            props.store(out, "akmon embedded Kafka");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + configFile, e);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int rc;
        try (PrintStream ps = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(new String[] {
                    "format", "--cluster-id", Uuid.randomUuid().toString(),
                    "--config", configFile.toString(), "--ignore-formatted"}, ps);
        }
        if (rc != 0) {
            throw new IllegalStateException("formatting Kafka storage in " + logDir() + " failed (" + rc + "): "
                    + output.toString(StandardCharsets.UTF_8));
        }
    }

    @Override
    protected void launch() {
        format();
        KafkaConfig config = new KafkaConfig(config(), false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
            try {
                s.startup();
                server = s;
                break;
            } catch (RuntimeException e) {
                // The port may still be held by the previous incarnation's sockets for a moment.
                try {
                    s.shutdown();
                    s.awaitShutdown();
                } catch (RuntimeException ignored) {
                    // already failed
                }
                if (System.nanoTime() > deadline || !isBindProblem(e)) {
                    throw new IllegalStateException("Kafka did not start on " + bootstrapServers() + ": " + e, e);
                }
                sleep(200);
            }
        }
        awaitReady();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Admin admin = admin()) {
            while (true) {
                try {
                    Collection<?> nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Kafka on " + bootstrapServers() + " is not answering", e);
                    }
                }
                sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
    }

    private static boolean isBindProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException) {
                return true;
            }
            String m = t.getMessage();
            if (m != null && (m.contains("Address already in use") || m.contains("Socket server failed to bind"))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers() + ", " + dataDir() + (isRunning() ? ", running" : ", stopped") + "]";
    }
}

package io.akmon.agent.publish;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.akmon.agent.event.Event;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.spool.Spool;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Publishes records to Kafka through an on-disk spool, so the kernel side never waits for Kafka.
 *
 * <p>{@link #accept} serializes the record (JSON, as {@link Event#writeJson}) and appends it to the
 * spool ({@link Spool}); that is all the caller's thread does. A publisher thread reads the spool
 * in order and hands records to an idempotent producer ({@code acks=all}, batching, compression);
 * a record leaves the spool only once Kafka has acknowledged it. While Kafka is unreachable or slow
 * the spool grows; when it returns, the backlog is replayed in order before newer records. A
 * restart resumes from the last acknowledged record, so nothing spooled is lost; records sent but
 * not yet acknowledged at a crash are sent again, recognisable by their (host, boot_id, cpu, seq).
 *
 * <p>Topic per family ({@link KafkaSinkConfig#topic}), key {@code host/pid} so one process's
 * records stay ordered within one partition. Past the spool bound records are dropped and counted;
 * under overload the families in {@link KafkaSinkConfig#shedOrder} are shed first, as the spool
 * fills. Every drop is reported as a {@code lost} record ({@code source} = {@value #SOURCE_SPOOL_FULL},
 * {@value #SOURCE_SPOOL_IO} or {@value #SOURCE_SHED}, {@code lost} = count, {@code record_type} = the
 * family dropped), and the sink publishes its own health as {@code agent} records on an interval.
 * These records belong to the sequence stream cpu = {@value #PUBLISHER_STREAM}, numbered in
 * {@code publisher.seq} in the spool directory.
 */
public final class KafkaSink implements EventSink {
    /** The cpu field of the records the sink itself writes (health and loss reports). */
    public static final int PUBLISHER_STREAM = -2;

    public static final String SOURCE_SPOOL_FULL = "spool_full";
    public static final String SOURCE_SPOOL_IO = "spool_io";
    public static final String SOURCE_SHED = "shed";
    public static final String SOURCE_KAFKA_REJECTED = "kafka_rejected";
    /** Records in a spool segment damaged on disk, skipped; their family is unknown. */
    public static final String SOURCE_SPOOL_CORRUPT = "spool_corrupt";

    /** Field of a loss report naming the family whose records were dropped. */
    public static final String RECORD_TYPE = "record_type";

    // Fields of the health record (type agent); counters are totals since the sink started.
    /** Records handed to the sink by the agent and taken into the spool. */
    public static final String RECORDS_ACCEPTED = "records_accepted";
    /** Records Kafka acknowledged, the sink's own loss and health records included. */
    public static final String RECORDS_PRODUCED = "records_produced";
    public static final String BYTES_PRODUCED = "bytes_produced";
    public static final String RECORDS_REJECTED = "records_rejected";
    /** Sum of {@code lost} over the loss records the agent handed over (ring buffer, maps, decoding). */
    public static final String KERNEL_LOST = "kernel_lost";
    public static final String SPOOL_RECORDS = "spool_records";
    public static final String SPOOL_BYTES = "spool_bytes";
    public static final String SPOOL_MAX_BYTES = "spool_max_bytes";
    public static final String SPOOL_FULL_DROPPED = "spool_full_dropped";
    public static final String SPOOL_IO_DROPPED = "spool_io_dropped";
    public static final String SHED_DROPPED = "shed_dropped";
    public static final String PRODUCER_ERRORS = "producer_errors";
    public static final String KAFKA_CONNECTED = "kafka_connected";
    public static final String STARTED_NS = "started_ns";

    private static final String[] DROP_SOURCES = {SOURCE_SPOOL_FULL, SOURCE_SPOOL_IO, SOURCE_SHED, SOURCE_KAFKA_REJECTED};
    private static final int FULL = 0;
    private static final int IO = 1;
    private static final int SHED = 2;
    private static final int REJECTED = 3;
    private static final int TYPES = EventType.values().length;
    private static final int MAX_IN_FLIGHT = 200_000;
    /** Bytes handed to the producer and not yet answered: below its buffer.memory, so send() does not block on it. */
    private static final long MAX_IN_FLIGHT_BYTES = 16L << 20;
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final JsonFactory JSON = new JsonFactory();
    /**
     * The spool is forced to disk once a second. That fsync can take hundreds of milliseconds on a
     * busy disk, so it runs on its own thread and the publisher keeps sending meanwhile. Setting this
     * system property to true forces on the publisher thread instead (the earlier behaviour, kept as
     * the benchmark's baseline: {@code akmon bench} measures both).
     */
    public static final String INLINE_SPOOL_SYNC_PROPERTY = "akmon.kafka.inline-spool-sync";

    /** Totals since the sink started, for tests and the agent's own status line. */
    public record Stats(long accepted, long produced, long bytesProduced, long spoolRecords, long spoolBytes,
                        long spoolFullDropped, long spoolIoDropped, long shedDropped, long rejected,
                        long producerErrors, long kernelLost, boolean connected) {
    }

    private final KafkaSinkConfig config;
    private final String host;
    private final String bootId;
    private final PrintStream log;
    private final Spool spool;
    private final PublisherSequence sequence;
    private final Map<String, Object> clientProps;
    private final Map<String, String> topicOf = new HashMap<>();
    private final double[] shedAt = new double[TYPES];
    private final long startedNs = System.currentTimeMillis() * 1_000_000L;
    private final long startedNano = System.nanoTime();

    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong bytesProduced = new AtomicLong();
    private final AtomicLong producerErrors = new AtomicLong();
    private final AtomicLong kernelLost = new AtomicLong();
    private final AtomicLong corruptSkipped = new AtomicLong();
    private long corruptReported;
    /** [source * TYPES + type ordinal]: records dropped. */
    private final AtomicLongArray dropped = new AtomicLongArray(DROP_SOURCES.length * TYPES);
    /** What of {@link #dropped} has been written out as loss reports; guarded by reportLock. */
    private final long[] reported = new long[DROP_SOURCES.length * TYPES];
    private final Object reportLock = new Object();
    private volatile Supplier<Map<String, ?>> healthExtras = Collections::emptyMap;
    private long lastHealthNano;

    private final Thread publisher;
    private final ScheduledExecutorService timer;
    private final ScheduledExecutorService syncer;
    private final boolean inlineSync = Boolean.getBoolean(INLINE_SPOOL_SYNC_PROPERTY);
    private volatile boolean publisherIdle;
    private volatile boolean closing;
    private volatile long drainDeadline;
    private volatile boolean closed;
    private volatile boolean connected;
    /** A send failed since the last recovery: stop sending until the in-flight records are taken back. */
    private volatile boolean sendFailed;
    private volatile boolean topicsReady;
    private volatile boolean spoolFailing;
    private long lastTopicAttemptNano;

    // publisher thread state
    private KafkaProducer<byte[], byte[]> producer;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private final Set<Long> alreadyDelivered = new HashSet<>();
    private long backoffMs;
    private long inFlightBytes;
    private long lastAckPersistNano;
    private long lastForceNano;
    private long lastForcedIndex = -1;
    private long lastProblemLogNano;
    private boolean failing;

    private static final class InFlight {
        static final int PENDING = 0;
        static final int OK = 1;
        static final int FAILED = 2;
        static final int REJECTED = 3;

        final long index;
        final int type;
        final int bytes;
        int bufferBytes;
        volatile int state;
        volatile Exception error;
        boolean skipped;

        InFlight(long index, int type, int bytes) {
            this.index = index;
            this.type = type;
            this.bytes = bytes;
        }
    }

    private KafkaSink(KafkaSinkConfig config, String host, String bootId, PrintStream log, Spool spool,
                      PublisherSequence sequence) {
        this.config = config;
        this.host = host;
        this.bootId = bootId;
        this.log = log;
        this.spool = spool;
        this.sequence = sequence;
        for (EventType t : EventType.values()) {
            topicOf.put(t.wireName(), config.topic(t));
            shedAt[t.ordinal()] = Double.POSITIVE_INFINITY;
        }
        List<String> order = config.shedOrder;
        for (int i = 0; i < order.size(); i++) {
            EventType t = EventType.fromWire(order.get(i));
            shedAt[t.ordinal()] = config.shedStart + (1 - config.shedStart) * i / order.size();
        }
        this.clientProps = new HashMap<>();
        clientProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap);
        clientProps.putAll(config.properties);
        this.publisher = new Thread(this::publishLoop, "akmon-kafka-publisher");
        publisher.setDaemon(true);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "akmon-kafka-health");
            t.setDaemon(true);
            return t;
        });
        this.syncer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "akmon-spool-sync");
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens the sink for this machine's host name and boot id, warnings to standard error. */
    public static KafkaSink open(KafkaSinkConfig config) {
        return open(config, localHost(), localBootId(), System.err);
    }

    /**
     * Opens the spool, checks the cluster and its topics (creating missing ones), and starts
     * publishing. If the cluster does not answer within {@code connect_timeout_ms}, says so on
     * {@code log} and keeps spooling until it does.
     *
     * @param host   host name stamped on the sink's own records (the agent's {@code --host})
     * @param bootId boot id stamped on the sink's own records
     * @throws ProbeException for settings that cannot work, naming the problem and the fix
     */
    public static KafkaSink open(KafkaSinkConfig config, String host, String bootId, PrintStream log) {
        config.validate();
        Path dir = config.spoolPath();
        Spool spool = openSpool(config, dir);
        KafkaSink sink = null;
        try {
            PublisherSequence seq = PublisherSequence.open(dir.resolve("publisher.seq"), bootId);
            sink = new KafkaSink(config, host, bootId, log, spool, seq);
            if (spool.damagedAtOpen() > 0) {
                sink.corruptSkipped.addAndGet(spool.damagedAtOpen());
                sink.error("the spool in " + dir + " had " + spool.damagedAtOpen() + " records damaged on disk; they are reported as lost (source "
                        + SOURCE_SPOOL_CORRUPT + "); fix: check the disk");
            }
            sink.checkFreeSpace();
            sink.setUpTopics(config.connectTimeoutMs, true);
            sink.publisher.start();
            sink.timer.scheduleAtFixedRate(sink::reportQuietly, config.healthIntervalMs, config.healthIntervalMs,
                    TimeUnit.MILLISECONDS);
            if (!sink.inlineSync) {
                sink.syncer.scheduleWithFixedDelay(sink::syncSpool, 1, 1, TimeUnit.SECONDS);
            }
            return sink;
        } catch (IOException e) {
            closeQuietly(spool);
            throw new ProbeException("cannot use spool directory " + dir + ": " + e.getMessage(),
                    "make it writable or point --spool-dir elsewhere", e);
        } catch (RuntimeException e) {
            if (sink != null) {
                sink.timer.shutdownNow();
                sink.syncer.shutdownNow();
            }
            closeQuietly(spool);
            throw e;
        }
    }

    private static Spool openSpool(KafkaSinkConfig config, Path dir) {
        try {
            return Spool.open(dir, config.spoolMaxBytes);
        } catch (Spool.SpoolLockedException e) {
            throw new ProbeException(e.getMessage(), "stop the other agent, or give this one its own --spool-dir", e);
        } catch (AccessDeniedException e) {
            throw new ProbeException("cannot create or write spool directory " + dir + " (permission denied)",
                    "run as root or point --spool-dir at a writable directory", e);
        } catch (IOException e) {
            throw new ProbeException("cannot open spool directory " + dir + ": " + e,
                    "check the directory and its file system, or point --spool-dir elsewhere", e);
        }
    }

    private void checkFreeSpace() {
        try {
            long free = Files.getFileStore(spool.dir()).getUsableSpace();
            long need = config.spoolMaxBytes - spool.bytes();
            if (free < need) {
                warn("only " + size(free) + " free under " + spool.dir() + " while the spool may grow to "
                        + size(config.spoolMaxBytes) + ": a long outage will fill the disk first; free space or lower --spool-max-bytes");
            }
        } catch (IOException e) {
            warn("cannot read free space of " + spool.dir() + ": " + e.getMessage());
        }
    }

    private static String size(long bytes) {
        if (bytes >= 10L << 20) {
            return (bytes >> 20) + " MiB";
        }
        return (bytes >> 10) + " KiB";
    }

    /** Further fields for the health record (e.g. the agent's records read, the kernel's cost of each program). */
    public void healthExtras(Supplier<Map<String, ?>> extras) {
        this.healthExtras = extras == null ? Collections::emptyMap : extras;
    }

    // ------------------------------------------------------------------------------ accepting

    @Override
    public void accept(Event event) {
        if (closed) {
            throw new IllegalStateException("kafka sink is closed");
        }
        EventType type = event.type();
        boolean control = type == EventType.LOST || type == EventType.AGENT;
        if (type == EventType.LOST && event.get(Fields.LOST) instanceof Number n) {
            kernelLost.addAndGet(n.longValue());
        }
        if (!control && shedAt[type.ordinal()] <= fill()) {
            dropped.incrementAndGet(SHED * TYPES + type.ordinal());
            return;
        }
        append(event, control, true);
    }

    /** Appends; returns whether the record is in the spool (a refusal is counted). */
    private boolean append(Event event, boolean control, boolean fromAgent) {
        int t = event.type().ordinal();
        Spool.Result r = spool.append(encode(event), control);
        switch (r) {
            case OK -> {
                if (fromAgent) {
                    accepted.incrementAndGet();
                }
                if (spoolFailing) {
                    spoolFailing = false;
                    note("spool writes in " + spool.dir() + " succeed again");
                }
                if (publisherIdle) {
                    LockSupport.unpark(publisher);
                }
                return true;
            }
            case FULL -> dropped.incrementAndGet(FULL * TYPES + t);
            case IO_ERROR -> {
                dropped.incrementAndGet(IO * TYPES + t);
                if (!spoolFailing) {
                    spoolFailing = true;
                    IOException e = spool.lastWriteError();
                    error("cannot write the spool in " + spool.dir() + ": " + (e == null ? "write failed" : describe(e))
                            + "; records that do not fit are dropped and counted (lost records, source " + SOURCE_SPOOL_IO
                            + "); fix: free disk space under " + spool.dir() + " or move --spool-dir to a larger file system");
                }
            }
        }
        return false;
    }

    private double fill() {
        return (double) spool.bytes() / config.spoolMaxBytes;
    }

    private static final ThreadLocal<Encoder> ENCODER = ThreadLocal.withInitial(Encoder::new);

    private static final class Encoder {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        final JsonGenerator json;

        Encoder() {
            try {
                json = JSON.createGenerator(out);
                json.setRootValueSeparator(null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Spool payload: [u8 type length][type][u16 key length][key][JSON value]. */
    static byte[] encode(Event event) {
        Encoder enc = ENCODER.get();
        enc.out.reset();
        byte[] type = event.type().wireName().getBytes(StandardCharsets.UTF_8);
        byte[] key = key(event).getBytes(StandardCharsets.UTF_8);
        enc.out.write(type.length);
        enc.out.write(type, 0, type.length);
        enc.out.write(key.length >>> 8);
        enc.out.write(key.length & 0xff);
        enc.out.write(key, 0, key.length);
        try {
            event.writeJson(enc.json);
            enc.json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return enc.out.toByteArray();
    }

    /** The Kafka record key: one host's records of one process share a partition, in order. */
    public static String key(Event event) {
        return event.host() + "/" + event.pid();
    }

    @Override
    public void flush() {
        if (!spool.tryFlush() && !spoolFailing) {
            spoolFailing = true;
            IOException e = spool.lastWriteError();
            error("cannot write the spool in " + spool.dir() + ": " + (e == null ? "write failed" : describe(e))
                    + "; the records are kept in memory and written when it works again; fix: free disk space under "
                    + spool.dir() + " or move --spool-dir to a larger file system");
        }
    }

    // ------------------------------------------------------------------------------ reporting

    private void reportQuietly() {
        try {
            report();
        } catch (RuntimeException e) {
            warn("health report failed: " + e);
        }
    }

    /** Writes loss reports for drops not yet reported, then a health record, into the spool. */
    public void report() {
        synchronized (reportLock) {
            long now = System.currentTimeMillis() * 1_000_000L;
            for (int s = 0; s < DROP_SOURCES.length; s++) {
                for (int t = 0; t < TYPES; t++) {
                    int i = s * TYPES + t;
                    long delta = dropped.get(i) - reported[i];
                    if (delta <= 0) {
                        continue;
                    }
                    Event lost = ownRecord(EventType.LOST, now);
                    if (lost == null) {
                        return;
                    }
                    lost.put(Fields.SOURCE, DROP_SOURCES[s]).put(Fields.LOST, delta).put(RECORD_TYPE, EventType.values()[t].wireName());
                    if (append(lost, true, false)) {
                        reported[i] += delta;
                    }
                }
            }
            long corrupt = corruptSkipped.get() - corruptReported;
            if (corrupt > 0) {
                Event lost = ownRecord(EventType.LOST, now);
                if (lost == null) {
                    return;
                }
                lost.put(Fields.SOURCE, SOURCE_SPOOL_CORRUPT).put(Fields.LOST, corrupt).put(RECORD_TYPE, "unknown");
                if (append(lost, true, false)) {
                    corruptReported += corrupt;
                }
            }
            Event health = ownRecord(EventType.AGENT, now);
            if (health == null) {
                return;
            }
            long nano = System.nanoTime();
            long interval = lastHealthNano == 0 ? nano - startedNano : nano - lastHealthNano;
            lastHealthNano = nano;
            Stats s = stats();
            health.put(Fields.INTERVAL_NS, interval)
                    .put(STARTED_NS, startedNs)
                    .put(RECORDS_ACCEPTED, s.accepted)
                    .put(RECORDS_PRODUCED, s.produced)
                    .put(BYTES_PRODUCED, s.bytesProduced)
                    .put(RECORDS_REJECTED, s.rejected)
                    .put(KERNEL_LOST, s.kernelLost)
                    .put(SPOOL_RECORDS, s.spoolRecords)
                    .put(SPOOL_BYTES, s.spoolBytes)
                    .put(SPOOL_MAX_BYTES, config.spoolMaxBytes)
                    .put(SPOOL_FULL_DROPPED, s.spoolFullDropped)
                    .put(SPOOL_IO_DROPPED, s.spoolIoDropped)
                    .put(SHED_DROPPED, s.shedDropped)
                    .put(PRODUCER_ERRORS, s.producerErrors)
                    .put(KAFKA_CONNECTED, s.connected);
            for (Map.Entry<String, ?> e : new LinkedHashMap<String, Object>(healthExtras.get()).entrySet()) {
                health.put(e.getKey(), e.getValue());
            }
            append(health, true, false);
        }
    }

    /** A record of the sink's own stream, or null if no sequence number can be reserved durably. */
    private Event ownRecord(EventType type, long tsNs) {
        long seq;
        try {
            seq = sequence.next();
        } catch (IOException e) {
            if (!spoolFailing) {
                spoolFailing = true;
                error("cannot write " + spool.dir().resolve("publisher.seq") + ": " + describe(e)
                        + "; health and loss reports wait until it works; fix: free disk space under " + spool.dir());
            }
            return null;
        }
        return new Event(type, host, bootId, PUBLISHER_STREAM, seq, tsNs, 0, null);
    }

    public Stats stats() {
        return new Stats(accepted.get(), produced.get(), bytesProduced.get(), spool.depth(), spool.bytes(),
                sum(FULL), sum(IO), sum(SHED), sum(REJECTED), producerErrors.get(), kernelLost.get(), connected);
    }

    /** Records of this family dropped for this reason ({@value #SOURCE_SPOOL_FULL}, {@value #SOURCE_SPOOL_IO}, {@value #SOURCE_SHED}, {@value #SOURCE_KAFKA_REJECTED}). */
    public long dropped(EventType type, String source) {
        for (int s = 0; s < DROP_SOURCES.length; s++) {
            if (DROP_SOURCES[s].equals(source)) {
                return dropped.get(s * TYPES + type.ordinal());
            }
        }
        throw new IllegalArgumentException("unknown drop source " + source);
    }

    private long sum(int source) {
        long n = 0;
        for (int t = 0; t < TYPES; t++) {
            n += dropped.get(source * TYPES + t);
        }
        return n;
    }

    /** Waits until every record accepted so far has been acknowledged by Kafka. */
    public boolean awaitDelivered(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        flush();
        while (spool.depth() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.unpark(publisher);
            Thread.sleep(10);
        }
        return true;
    }

    /** The oldest record not yet acknowledged and what is known about it, for diagnostics. */
    String pendingHead() {
        InFlight head = inFlight.peekFirst();
        if (head == null) {
            return "nothing in flight; spool depth " + spool.depth() + ", read index " + spool.readIndex() + ", ack index " + spool.ackIndex();
        }
        return "head index " + head.index + " type " + (head.type < 0 ? "?" : EventType.values()[head.type].wireName())
                + " state " + head.state + " error " + head.error + "; in flight " + inFlight.size() + ", spool depth " + spool.depth();
    }

    public KafkaSinkConfig config() {
        return config;
    }

    // ------------------------------------------------------------------------------ publishing

    private Admin admin() {
        Map<String, Object> p = new HashMap<>(clientProps);
        int timeout = (int) Math.max(1000, Math.min(30_000, config.connectTimeoutMs));
        p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
        p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Math.max(timeout, 5000));
        p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "akmon-agent-admin-" + host);
        try {
            return Admin.create(p);
        } catch (KafkaException e) {
            throw clientProblem(e);
        }
    }

    private ProbeException clientProblem(KafkaException e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String m = String.valueOf(root.getMessage());
        if (m.contains("resolvable bootstrap")) {
            return new ProbeException("kafka bootstrap servers '" + config.bootstrap + "' cannot be resolved",
                    "check the host names in --bootstrap", e);
        }
        return new ProbeException("invalid kafka client settings: " + m,
                "check --bootstrap and the kafka properties in the config file", e);
    }

    /** Checks and creates topics; at start-up a configuration problem is thrown, later it is logged. */
    private void setUpTopics(long timeoutMs, boolean startup) {
        lastTopicAttemptNano = System.nanoTime();
        try (Admin admin = admin()) {
            TopicSetup.ensure(admin, config, new HashSet<>(topicOf.values()), timeoutMs);
            topicsReady = true;
            if (!startup) {
                note("kafka at " + config.bootstrap + " reachable; topics ready");
            }
        } catch (TopicSetup.Unreachable e) {
            if (startup) {
                warn("kafka at " + config.bootstrap + " is not reachable (" + describe(e.getCause() != null ? e.getCause() : e)
                        + "); records are spooled in " + spool.dir() + " until it is; fix: check --bootstrap and that the brokers are up");
            }
        } catch (ProbeException e) {
            if (startup) {
                throw e;
            }
            error(e.oneLine() + " (records stay spooled in " + spool.dir() + ")");
        }
    }

    private KafkaProducer<byte[], byte[]> newProducer() {
        Map<String, Object> p = new HashMap<>(clientProps);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
        p.put(ProducerConfig.LINGER_MS_CONFIG, config.lingerMs);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, config.batchBytes);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, config.compression.toLowerCase(java.util.Locale.ROOT));
        int request = Math.max(500, Math.min(30_000, (config.deliveryTimeoutMs - config.lingerMs) / 2));
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, request);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max(config.deliveryTimeoutMs, request + config.lingerMs));
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
        p.putIfAbsent(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "akmon-agent-" + host);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try {
            return new KafkaProducer<>(p);
        } catch (KafkaException e) {
            throw clientProblem(e);
        }
    }

    private void publishLoop() {
        while (true) {
            if (closing && (System.nanoTime() > drainDeadline || (spool.depth() == 0 && inFlight.isEmpty()))) {
                break;
            }
            try {
                if (!step()) {
                    publisherIdle = true;
                    LockSupport.parkNanos(IDLE_PARK_NS);
                    publisherIdle = false;
                }
            } catch (Throwable t) {
                if (closing && t instanceof InterruptedException) {
                    break;
                }
                problem("publisher error: " + t);
                sleep(Math.min(2000, Math.max(100, backoffMs)));
            }
        }
        shutdownProducer();
    }

    /** One round of publishing; returns false when there was nothing to do. */
    private boolean step() throws IOException {
        if (!topicsReady) {
            if (System.nanoTime() - lastTopicAttemptNano < TimeUnit.MILLISECONDS.toNanos(Math.max(1000, backoffMs))) {
                return false;
            }
            setUpTopics(Math.max(2000, config.connectTimeoutMs), false);
            if (!topicsReady) {
                backoffMs = nextBackoff();
                return false;
            }
        }
        if (producer == null) {
            producer = newProducer();
        }
        completeInOrder();
        if (needsRecovery()) {
            recover();
            return true;
        }
        if (inFlight.size() >= MAX_IN_FLIGHT || inFlightBytes >= MAX_IN_FLIGHT_BYTES) {
            return false;
        }
        boolean sent = false;
        for (int i = 0; i < 512 && inFlight.size() < MAX_IN_FLIGHT && inFlightBytes < MAX_IN_FLIGHT_BYTES && !sendFailed; i++) {
            Spool.Entry e = nextEntry();
            if (e == null) {
                spool.tryFlush();
                e = nextEntry();
            }
            if (e == null) {
                break;
            }
            send(e);
            sent = true;
        }
        long now = System.nanoTime();
        if (inlineSync && now - lastForceNano > TimeUnit.SECONDS.toNanos(1)) {
            lastForceNano = now;
            forceSpoolIfWritten();
        }
        if (!sent || now - lastAckPersistNano > TimeUnit.MILLISECONDS.toNanos(200)) {
            completeInOrder();
            if (now - lastAckPersistNano > TimeUnit.MILLISECONDS.toNanos(100)) {
                spool.persistAck();
                lastAckPersistNano = now;
            }
        }
        return sent;
    }

    /** Forces the spool to disk if records were written since the last time (sync thread). */
    private void syncSpool() {
        try {
            forceSpoolIfWritten();
        } catch (IOException e) {
            problem("cannot force the spool in " + spool.dir() + " to disk: " + describe(e));
        } catch (RuntimeException e) {
            problem("cannot force the spool in " + spool.dir() + " to disk: " + e);
        }
    }

    /** Spooled records survive a machine crash too, up to the last force. One thread only: see {@link #INLINE_SPOOL_SYNC_PROPERTY}. */
    private void forceSpoolIfWritten() throws IOException {
        long written = spool.nextIndex();
        if (written != lastForcedIndex) {
            spool.force();
            lastForcedIndex = written;
        }
    }

    private Spool.Entry nextEntry() throws IOException {
        try {
            return spool.next();
        } catch (Spool.CorruptSpoolException e) {
            long skipped = spool.skipDamaged();
            corruptSkipped.addAndGet(skipped);
            if (skipped > 0) {
                InFlight gap = new InFlight(spool.readIndex() - 1, -1, 0); // lets the acknowledged position pass them
                gap.skipped = true;
                gap.state = InFlight.OK;
                inFlight.addLast(gap);
            }
            error(e.getMessage() + ": skipped " + skipped + " records (reported as lost, source " + SOURCE_SPOOL_CORRUPT
                    + "); fix: check the disk under " + spool.dir());
            return spool.next();
        }
    }

    private void send(Spool.Entry e) {
        ByteBuffer b = ByteBuffer.wrap(e.payload());
        int typeLen = b.get() & 0xff;
        String typeName = new String(e.payload(), 1, typeLen, StandardCharsets.UTF_8);
        b.position(1 + typeLen);
        int keyLen = b.getShort() & 0xffff;
        byte[] key = new byte[keyLen];
        b.get(key);
        byte[] value = new byte[b.remaining()];
        b.get(value);
        EventType type = EventType.fromWire(typeName);
        InFlight f = new InFlight(e.index(), type == null ? -1 : type.ordinal(), value.length);
        inFlight.addLast(f);
        if (alreadyDelivered.remove(e.index())) {
            f.skipped = true; // delivered before a resend was needed; counted then
            f.state = InFlight.OK;
            return;
        }
        String topic = topicOf.get(typeName);
        if (topic == null) {
            topic = config.topicPrefix + typeName;
        }
        f.bufferBytes = key.length + value.length + 64;
        inFlightBytes += f.bufferBytes;
        try {
            producer.send(new ProducerRecord<>(topic, null, key, value), (md, ex) -> complete(f, ex));
        } catch (KafkaException ex) {
            complete(f, ex);
        }
    }

    private void complete(InFlight f, Exception ex) {
        if (ex == null) {
            produced.incrementAndGet();
            bytesProduced.addAndGet(f.bytes);
            connected = true;
            f.state = InFlight.OK;
            return;
        }
        f.error = ex;
        if (ex instanceof RecordTooLargeException || ex instanceof RecordBatchTooLargeException
                || ex instanceof InvalidRecordException) {
            f.state = InFlight.REJECTED;
        } else {
            producerErrors.incrementAndGet();
            connected = false;
            sendFailed = true;
            f.state = InFlight.FAILED;
        }
    }

    /** Acknowledges the delivered prefix of what is in flight. */
    private void completeInOrder() throws IOException {
        long ackTo = -1;
        InFlight head;
        while ((head = inFlight.peekFirst()) != null && head.state != InFlight.PENDING && head.state != InFlight.FAILED) {
            if (head.state == InFlight.REJECTED) {
                if (head.type >= 0) {
                    dropped.incrementAndGet(REJECTED * TYPES + head.type);
                }
                problem("kafka rejected a record: " + describe(head.error) + " (dropped and counted, source " + SOURCE_KAFKA_REJECTED + ")");
            } else if (!head.skipped) {
                recovered();
            }
            ackTo = head.index + 1;
            inFlightBytes -= head.bufferBytes;
            inFlight.pollFirst();
        }
        if (ackTo >= 0) {
            spool.ack(ackTo);
        }
    }

    private boolean needsRecovery() {
        InFlight head = inFlight.peekFirst();
        return sendFailed || (head != null && head.state == InFlight.FAILED);
    }

    /**
     * A send failed: abort everything in flight, then read the spool again from the first record
     * not delivered, skipping those delivered meanwhile.
     */
    private void recover() throws IOException {
        Exception cause = null;
        for (InFlight f : inFlight) {
            if (f.state == InFlight.FAILED) {
                cause = f.error;
                break;
            }
        }
        connected = false;
        if (!failing) {
            failing = true;
            lastProblemLogNano = 0;
        }
        problem("cannot deliver to kafka at " + config.bootstrap + ": " + describe(cause) + "; " + spool.depth()
                + " records wait in the spool " + spool.dir() + " and are sent when it is back");
        closeProducer(Duration.ZERO);
        sendFailed = false;
        long first = -1;
        long ackTo = -1;
        for (InFlight f : inFlight) {
            if (first < 0) {
                if (f.state == InFlight.OK || f.state == InFlight.REJECTED) {
                    if (f.state == InFlight.REJECTED && f.type >= 0) {
                        dropped.incrementAndGet(REJECTED * TYPES + f.type);
                    }
                    ackTo = f.index + 1;
                    continue;
                }
                first = f.index;
            } else if (f.state == InFlight.OK || f.state == InFlight.REJECTED) {
                if (f.state == InFlight.REJECTED && f.type >= 0) {
                    dropped.incrementAndGet(REJECTED * TYPES + f.type);
                }
                alreadyDelivered.add(f.index);
            }
        }
        inFlight.clear();
        inFlightBytes = 0;
        if (ackTo >= 0) {
            spool.ack(ackTo);
        }
        spool.persistAck();
        if (first >= 0) {
            spool.seek(first);
        }
        backoffMs = nextBackoff();
        sleep(backoffMs);
    }

    private long nextBackoff() {
        return Math.min(5000, backoffMs == 0 ? 250 : backoffMs * 2);
    }

    private void recovered() {
        backoffMs = 0;
        if (!connected) {
            connected = true;
        }
        if (failing) {
            failing = false;
            note("delivering to kafka at " + config.bootstrap + " again; " + spool.depth() + " spooled records to replay");
        }
    }

    private void closeProducer(Duration timeout) {
        if (producer == null) {
            return;
        }
        try {
            producer.close(timeout);
        } catch (RuntimeException e) {
            // already failing; the callbacks have reported what happened
        }
        producer = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (InFlight f : inFlight) {
            while (f.state == InFlight.PENDING && System.nanoTime() < deadline) {
                sleep(1);
            }
            if (f.state == InFlight.PENDING) {
                f.error = new KafkaException("producer closed before an answer");
                f.state = InFlight.FAILED;
            }
        }
    }

    private void shutdownProducer() {
        long left = Math.max(0, drainDeadline - System.nanoTime());
        closeProducer(Duration.ofNanos(left));
        try {
            completeInOrder();
            spool.persistAck();
        } catch (IOException e) {
            error("cannot record the delivered position in " + spool.dir() + ": " + describe(e)
                    + "; records after the last saved position are sent again at the next start");
        }
    }

    // ------------------------------------------------------------------------------ closing

    /**
     * Reports losses and health a last time, then publishes the spool for up to
     * {@code close_timeout_ms}; what is left stays in the spool for the next start.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        timer.shutdownNow();
        syncer.shutdown();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
            syncer.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reportQuietly();
        flush();
        drainDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.closeTimeoutMs);
        closing = true;
        LockSupport.unpark(publisher);
        try {
            publisher.join(config.closeTimeoutMs + 15_000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long left = spool.depth();
        try {
            spool.close();
        } catch (IOException e) {
            error("closing the spool in " + spool.dir() + " failed: " + describe(e)
                    + "; records still buffered may be lost; fix: free disk space under " + spool.dir());
        }
        if (left > 0) {
            note(left + " records remain spooled in " + spool.dir() + "; they are sent at the next start");
        }
    }

    // ------------------------------------------------------------------------------ helpers

    private void problem(String message) {
        long now = System.nanoTime();
        if (lastProblemLogNano == 0 || now - lastProblemLogNano > TimeUnit.SECONDS.toNanos(30)) {
            lastProblemLogNano = now;
            error(message);
        }
    }

    private void note(String message) {
        if (log != null) {
            log.println("akmon: kafka: " + message);
        }
    }

    private void warn(String message) {
        if (log != null) {
            log.println("akmon: warning: " + message);
        }
    }

    private void error(String message) {
        if (log != null) {
            log.println("akmon: error: " + message);
        }
    }

    private static String describe(Throwable e) {
        if (e == null) {
            return "unknown error";
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Spool spool) {
        try {
            spool.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    static String localHost() {
        return readProc("/proc/sys/kernel/hostname", "localhost");
    }

    static String localBootId() {
        return readProc("/proc/sys/kernel/random/boot_id", "unknown");
    }

    private static String readProc(String path, String fallback) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException e) {
            return fallback;
        }
    }

    @Override
    public String toString() {
        return "KafkaSink[" + config.bootstrap + ", spool " + spool.dir() + "]";
    }

    /** Keeps {@code topicOf}'s key set visible for tests. */
    List<String> topics() {
        return new ArrayList<>(topicOf.values());
    }
}

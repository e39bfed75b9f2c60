package io.akmon.agent.publish;

import io.akmon.agent.event.Event;
import io.akmon.agent.host.HostIdentity;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.logging.AgentLog;
import io.akmon.agent.logging.LogThrottle;
import io.akmon.agent.spool.Spool;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import io.akmon.schema.FrameBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.utils.Utils;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Publishes records to Kafka through an on-disk spool, so the kernel side never waits for Kafka.
 *
 * <p>{@link #accept} serializes the record ({@link SpoolRecord}: JSON, as {@link Event#writeJson})
 * and appends it to the spool ({@link Spool}); that is all the caller's thread does. A publisher
 * thread reads the spool in order and hands records to an idempotent producer
 * ({@link ClientSettings}: {@code acks=all}, batching, compression); a record leaves the spool only
 * once Kafka has acknowledged it and every record before it ({@link InFlightWindow}). While Kafka
 * is unreachable or slow the spool grows; when it returns, the backlog is replayed in order before
 * newer records. A restart resumes from the last acknowledged record, so nothing spooled is lost;
 * records sent but not yet acknowledged at a crash are sent again, recognisable by their
 * (host, boot_id, cpu, seq).
 *
 * <p>Topic per family ({@link KafkaSinkConfig#topic}), key {@code host/pid} so one process's
 * records stay ordered within one partition. Past the spool bound records are dropped and counted;
 * under overload the families in {@link KafkaSinkConfig#shedOrder} are shed first, as the spool
 * fills. Every drop is counted in the {@link LossLedger} and reported as a {@code lost} record
 * ({@code source} = {@value #SOURCE_SPOOL_FULL}, {@value #SOURCE_SPOOL_IO} or {@value #SOURCE_SHED},
 * {@code lost} = count, {@code record_type} = the family dropped), and the sink publishes its own
 * health ({@link HealthRecord}) as {@code agent} records on an interval. These records belong to the
 * sequence stream cpu = {@value #PUBLISHER_STREAM}, numbered in {@code publisher.seq} in the spool
 * directory.
 */
public final class KafkaSink implements EventSink {
    /** The cpu field of the records the sink itself writes (health and loss reports). */
    public static final int PUBLISHER_STREAM = -2;

    public static final String SOURCE_SPOOL_FULL = LossLedger.SPOOL_FULL;
    public static final String SOURCE_SPOOL_IO = LossLedger.SPOOL_IO;
    public static final String SOURCE_SHED = LossLedger.SHED;
    public static final String SOURCE_KAFKA_REJECTED = LossLedger.KAFKA_REJECTED;
    /** Records in a spool segment damaged on disk, skipped; their family is unknown. */
    public static final String SOURCE_SPOOL_CORRUPT = LossLedger.SPOOL_CORRUPT;

    /** Field of a loss report naming the family whose records were dropped. */
    public static final String RECORD_TYPE = "record_type";

    // Fields of the health record (type agent), see HealthRecord.
    public static final String RECORDS_ACCEPTED = HealthRecord.RECORDS_ACCEPTED;
    public static final String RECORDS_PRODUCED = HealthRecord.RECORDS_PRODUCED;
    public static final String BYTES_PRODUCED = HealthRecord.BYTES_PRODUCED;
    public static final String RECORDS_REJECTED = HealthRecord.RECORDS_REJECTED;
    public static final String KERNEL_LOST = HealthRecord.KERNEL_LOST;
    public static final String SPOOL_RECORDS = HealthRecord.SPOOL_RECORDS;
    public static final String SPOOL_BYTES = HealthRecord.SPOOL_BYTES;
    public static final String SPOOL_MAX_BYTES = HealthRecord.SPOOL_MAX_BYTES;
    public static final String SPOOL_FULL_DROPPED = HealthRecord.SPOOL_FULL_DROPPED;
    public static final String SPOOL_IO_DROPPED = HealthRecord.SPOOL_IO_DROPPED;
    public static final String SHED_DROPPED = HealthRecord.SHED_DROPPED;
    public static final String PRODUCER_ERRORS = HealthRecord.PRODUCER_ERRORS;
    public static final String KAFKA_CONNECTED = HealthRecord.KAFKA_CONNECTED;
    public static final String STARTED_NS = HealthRecord.STARTED_NS;

    private static final int TYPES = EventType.values().length;
    private static final int MAX_IN_FLIGHT = 200_000;
    /** Bytes handed to the producer and not yet answered: below its buffer.memory, so send() does not block on it. */
    private static final long MAX_IN_FLIGHT_BYTES = 16L << 20;
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(5);
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
    private final AgentLog log;
    private final LogThrottle problems = new LogThrottle(30, TimeUnit.SECONDS);
    private final Spool spool;
    private final PublisherSequence sequence;
    private final Map<String, String> topicOf = new HashMap<>();
    private final String[] topicByType = new String[TYPES];
    private final double[] shedAt = new double[TYPES];
    private final long startedNs = System.currentTimeMillis() * 1_000_000L;
    private final long startedNano = System.nanoTime();

    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong bytesProduced = new AtomicLong();
    private final AtomicLong producerErrors = new AtomicLong();
    private final AtomicLong kernelLost = new AtomicLong();
    private final LossLedger losses = new LossLedger();
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
    private final InFlightWindow inFlight = new InFlightWindow();
    private final FrameBuilder<InFlightWindow.Entry> frames = new FrameBuilder<>();
    /** The event topics (every family's but the audit trail's), each of whose partitions gets every heartbeat. */
    private final List<String> heartbeatTopics = new ArrayList<>();
    /** Heartbeats waiting for the records before them: {progress ns, spool index of the first record after}. */
    private final java.util.ArrayDeque<long[]> heartbeats = new java.util.ArrayDeque<>();
    private static final int MAX_PENDING_HEARTBEATS = 64;
    private final AtomicLong heartbeatsSent = new AtomicLong();
    /** Heartbeat sends Kafka has not answered yet: while the cluster is away they wait in no buffer. */
    private final java.util.concurrent.atomic.AtomicInteger heartbeatsUnanswered = new java.util.concurrent.atomic.AtomicInteger();
    private final Map<String, Integer> partitionCounts = new HashMap<>();
    private long partitionCountsNano;
    /** Bytes a frame may hold (0: one record per Kafka record); halved if the cluster refuses a frame as too large. */
    private volatile int frameLimit;
    private long backoffMs;
    private long lastAckPersistNano;
    private long lastForceNano;
    private long lastForcedIndex = -1;
    private boolean failing;

    private KafkaSink(KafkaSinkConfig config, String host, String bootId, AgentLog log, Spool spool,
                      PublisherSequence sequence) {
        this.config = config;
        this.frameLimit = config.frameBytes;
        this.host = host;
        this.bootId = bootId;
        this.log = log;
        this.spool = spool;
        this.sequence = sequence;
        for (EventType t : EventType.values()) {
            if (t == EventType.HEARTBEAT) {
                continue; // no topic of its own: heartbeats go to every event topic
            }
            topicOf.put(t.wireName(), config.topic(t));
            topicByType[t.ordinal()] = config.topic(t);
            if (t != EventType.AUDIT && !heartbeatTopics.contains(config.topic(t))) {
                heartbeatTopics.add(config.topic(t));
            }
        }
        ShedPolicy.thresholds(config, shedAt);
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

    /** Opens the sink for this machine's host name and boot id, logging through SLF4J ({@code akmon.kafka}). */
    public static KafkaSink open(KafkaSinkConfig config) {
        return open(config, localHost(), localBootId());
    }

    /** As {@link #open(KafkaSinkConfig, String, String, PrintStream)}, logging through SLF4J ({@code akmon.kafka}). */
    public static KafkaSink open(KafkaSinkConfig config, String host, String bootId) {
        return open(config, host, bootId, AgentLog.slf4j("akmon.kafka"));
    }

    /**
     * Opens the spool, checks the cluster and its topics (creating missing ones), and starts
     * publishing. If the cluster does not answer within {@code connect_timeout_ms}, says so on
     * {@code log} and keeps spooling until it does.
     *
     * @param host   host name stamped on the sink's own records (the agent's {@code --host})
     * @param bootId boot id stamped on the sink's own records
     * @param log    where problems and progress are written, one line each (null: nowhere)
     * @throws ProbeException for settings that cannot work, naming the problem and the fix
     */
    public static KafkaSink open(KafkaSinkConfig config, String host, String bootId, PrintStream log) {
        return open(config, host, bootId, AgentLog.to(log, "kafka"));
    }

    static KafkaSink open(KafkaSinkConfig config, String host, String bootId, AgentLog log) {
        config.validate();
        Path dir = config.spoolPath();
        Spool spool = openSpool(config, dir);
        KafkaSink sink = null;
        try {
            PublisherSequence seq = PublisherSequence.open(dir.resolve("publisher.seq"), bootId);
            sink = new KafkaSink(config, host, bootId, log, spool, seq);
            if (spool.damagedAtOpen() > 0) {
                sink.losses.countCorrupt(spool.damagedAtOpen());
                sink.log.error("the spool in " + dir + " had " + spool.damagedAtOpen() + " records damaged on disk; they are reported as lost (source "
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
                log.warn("only " + size(free) + " free under " + spool.dir() + " while the spool may grow to "
                        + size(config.spoolMaxBytes) + ": a long outage will fill the disk first; free space or lower --spool-max-bytes");
            }
        } catch (IOException e) {
            log.warn("cannot read free space of " + spool.dir() + ": " + e.getMessage());
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
            losses.count(LossLedger.Reason.SHED, type);
            return;
        }
        append(event, control, true);
    }

    /** Appends; returns whether the record is in the spool (a refusal is counted). */
    private boolean append(Event event, boolean control, boolean fromAgent) {
        Spool.Result r = spool.append(SpoolRecord.encode(event), control);
        switch (r) {
            case OK -> {
                if (fromAgent) {
                    accepted.incrementAndGet();
                }
                if (spoolFailing) {
                    spoolFailing = false;
                    log.note("spool writes in " + spool.dir() + " succeed again");
                }
                if (publisherIdle) {
                    LockSupport.unpark(publisher);
                }
                return true;
            }
            case FULL -> losses.count(LossLedger.Reason.FULL, event.type());
            case IO_ERROR -> {
                losses.count(LossLedger.Reason.IO, event.type());
                if (!spoolFailing) {
                    spoolFailing = true;
                    IOException e = spool.lastWriteError();
                    log.error("cannot write the spool in " + spool.dir() + ": " + (e == null ? "write failed" : describe(e))
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

    /** Spool payload: see {@link SpoolRecord}. */
    static byte[] encode(Event event) {
        return SpoolRecord.encode(event);
    }

    /** The Kafka record key: one host's records of one process share a partition, in order. */
    public static String key(Event event) {
        return SpoolRecord.key(event);
    }

    @Override
    public void flush() {
        if (!spool.tryFlush() && !spoolFailing) {
            spoolFailing = true;
            IOException e = spool.lastWriteError();
            log.error("cannot write the spool in " + spool.dir() + ": " + (e == null ? "write failed" : describe(e))
                    + "; the records are kept in memory and written when it works again; fix: free disk space under "
                    + spool.dir() + " or move --spool-dir to a larger file system");
        }
    }

    /**
     * Queues a heartbeat behind the records accepted so far. The publisher sends it to every partition of
     * every event topic once Kafka has acknowledged all of them, so in each partition it follows every
     * record it vouches for, also when a failed send makes the publisher resend from the spool. It is not
     * spooled (a restart sends new ones) and counted in no record figure.
     */
    public void heartbeat(long progressNs) {
        if (closed || closing) {
            return;
        }
        synchronized (reportLock) { // the sink's own records written after this are stamped later than it
            long progress = Math.min(progressNs, System.currentTimeMillis() * 1_000_000L);
            long barrier = spool.nextIndex();
            synchronized (heartbeats) {
                if (heartbeats.size() >= MAX_PENDING_HEARTBEATS) {
                    heartbeats.pollFirst();
                }
                heartbeats.addLast(new long[] {progress, barrier});
            }
        }
        if (publisherIdle) {
            LockSupport.unpark(publisher);
        }
    }

    /**
     * Sends the agent's progress ({@code Agent#progress}) as a heartbeat every {@code heartbeat_interval_ms}
     * (none when it is 0). Progress 0 (not known yet) sends nothing.
     */
    public void progress(java.util.function.LongSupplier progress) {
        if (config.heartbeatIntervalMs <= 0) {
            return;
        }
        timer.scheduleAtFixedRate(() -> {
            try {
                long p = progress.getAsLong();
                if (p > 0) {
                    heartbeat(p);
                }
            } catch (RuntimeException e) {
                problem("heartbeat failed: " + e);
            }
        }, config.heartbeatIntervalMs, config.heartbeatIntervalMs, TimeUnit.MILLISECONDS);
    }

    /** Heartbeats sent (each to every partition of every event topic). */
    public long heartbeatsSent() {
        return heartbeatsSent.get();
    }

    /** The event topics heartbeats go to. */
    public List<String> heartbeatTopics() {
        return List.copyOf(heartbeatTopics);
    }

    /** Sends the newest heartbeat whose records Kafka has all acknowledged (older ones are superseded). */
    private void sendHeartbeats() throws IOException {
        long[] due = null;
        long firstBarrier;
        synchronized (heartbeats) {
            if (heartbeats.isEmpty()) {
                return;
            }
            firstBarrier = heartbeats.peekFirst()[1];
        }
        if (spool.ackIndex() < firstBarrier) {
            completeInOrder();
        }
        long acked = spool.ackIndex();
        synchronized (heartbeats) {
            while (!heartbeats.isEmpty() && heartbeats.peekFirst()[1] <= acked) {
                due = heartbeats.pollFirst();
            }
        }
        if (due == null || heartbeatsUnanswered.get() > 0) {
            return; // the previous one is not through yet (a slow or absent cluster): this one would wait behind it
        }
        byte[][] kv = SpoolRecord.keyAndValue(SpoolRecord.encode(
                new Event(EventType.HEARTBEAT, host, bootId, io.akmon.schema.RecordId.AGENT_STREAM, 0, due[0], 0, null)));
        for (String topic : heartbeatTopics) {
            int partitions = partitionCount(topic);
            for (int p = 0; p < partitions; p++) {
                heartbeatsUnanswered.incrementAndGet();
                try {
                    producer.send(new ProducerRecord<>(topic, p, kv[0], kv[1]), (md, ex) -> heartbeatsUnanswered.decrementAndGet());
                } catch (KafkaException ex) {
                    heartbeatsUnanswered.decrementAndGet();
                    return; // the next heartbeat follows; the records' own sends report the problem
                }
            }
        }
        heartbeatsSent.incrementAndGet();
    }

    // ------------------------------------------------------------------------------ reporting

    private void reportQuietly() {
        try {
            report();
        } catch (RuntimeException e) {
            log.warn("health report failed: " + e);
        }
    }

    /** Writes loss reports for drops not yet reported, then a health record, into the spool. */
    public void report() {
        synchronized (reportLock) {
            long now = System.currentTimeMillis() * 1_000_000L;
            boolean goOn = losses.report((source, lost, recordType) -> {
                Event e = ownRecord(EventType.LOST, now);
                if (e == null) {
                    return LossLedger.Writer.Outcome.STOP;
                }
                e.put(Fields.SOURCE, source).put(Fields.LOST, lost).put(RECORD_TYPE, recordType);
                return append(e, true, false) ? LossLedger.Writer.Outcome.WRITTEN : LossLedger.Writer.Outcome.REFUSED;
            });
            if (!goOn) {
                return;
            }
            Event health = ownRecord(EventType.AGENT, now);
            if (health == null) {
                return;
            }
            long nano = System.nanoTime();
            long interval = lastHealthNano == 0 ? nano - startedNano : nano - lastHealthNano;
            lastHealthNano = nano;
            append(HealthRecord.fill(health, interval,
                    HealthRecord.figures(stats(), startedNs, config.spoolMaxBytes, healthExtras.get())), true, false);
        }
    }

    /**
     * The sink's own figures of the health record as of now ({@link HealthRecord}), without the extras:
     * those (e.g. per-program cost since the previous record) are read once per record, and a scrape of
     * the metrics endpoint must not move their interval.
     */
    public Map<String, Object> health() {
        return HealthRecord.figures(stats(), startedNs, config.spoolMaxBytes, Map.of());
    }

    /** A record of the sink's own stream, or null if no sequence number can be reserved durably. */
    private Event ownRecord(EventType type, long tsNs) {
        long seq;
        try {
            seq = sequence.next();
        } catch (IOException e) {
            if (!spoolFailing) {
                spoolFailing = true;
                log.error("cannot write " + spool.dir().resolve("publisher.seq") + ": " + describe(e)
                        + "; health and loss reports wait until it works; fix: free disk space under " + spool.dir());
            }
            return null;
        }
        return new Event(type, host, bootId, PUBLISHER_STREAM, seq, tsNs, 0, null);
    }

    public Stats stats() {
        return new Stats(accepted.get(), produced.get(), bytesProduced.get(), spool.depth(), spool.bytes(),
                losses.total(LossLedger.Reason.FULL), losses.total(LossLedger.Reason.IO), losses.total(LossLedger.Reason.SHED),
                losses.total(LossLedger.Reason.REJECTED), producerErrors.get(), kernelLost.get(), connected);
    }

    /** Records of this family dropped for this reason ({@value #SOURCE_SPOOL_FULL}, {@value #SOURCE_SPOOL_IO}, {@value #SOURCE_SHED}, {@value #SOURCE_KAFKA_REJECTED}). */
    public long dropped(EventType type, String source) {
        return losses.dropped(type, source);
    }

    /** Records the sink dropped, by loss-record source (every source, 0 if none). */
    public Map<String, Long> lossesBySource() {
        return losses.bySource();
    }

    /** Records dropped in the spool because they were damaged on disk. */
    public long corruptDropped() {
        return losses.corrupt();
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
        InFlightWindow.Entry head = inFlight.head();
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
        try {
            return Admin.create(ClientSettings.admin(config, host));
        } catch (KafkaException e) {
            throw ClientSettings.problem(config, e);
        }
    }

    /** Checks and creates topics; at start-up a configuration problem is thrown, later it is logged. */
    private void setUpTopics(long timeoutMs, boolean startup) {
        lastTopicAttemptNano = System.nanoTime();
        try (Admin admin = admin()) {
            Set<String> created = TopicSetup.ensure(admin, config, new HashSet<>(topicOf.values()), timeoutMs);
            topicsReady = true;
            if (!startup && !created.isEmpty()) {
                log.warn("kafka topics " + created + " were missing at " + config.bootstrap
                        + " (deleted while the agent ran?) and were created again; the records waiting in the spool follow");
            } else if (!startup) {
                log.note("kafka at " + config.bootstrap + " reachable; topics ready");
            }
        } catch (TopicSetup.Unreachable e) {
            if (startup) {
                log.warn("kafka at " + config.bootstrap + " is not reachable (" + describe(e.getCause() != null ? e.getCause() : e)
                        + "); records are spooled in " + spool.dir() + " until it is; fix: check --bootstrap and that the brokers are up");
            }
        } catch (ProbeException e) {
            if (startup) {
                throw e;
            }
            log.error(e.oneLine() + " (records stay spooled in " + spool.dir() + ")");
        }
    }

    private KafkaProducer<byte[], byte[]> newProducer() {
        try {
            return new KafkaProducer<>(ClientSettings.producer(config, host));
        } catch (KafkaException e) {
            throw ClientSettings.problem(config, e);
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
        sendHeartbeats();
        if (inFlight.size() >= MAX_IN_FLIGHT || inFlight.bufferBytes() >= MAX_IN_FLIGHT_BYTES) {
            return false;
        }
        boolean sent = false;
        for (int i = 0; i < FrameBuilder.ROUND_RECORDS && inFlight.size() < MAX_IN_FLIGHT && inFlight.bufferBytes() < MAX_IN_FLIGHT_BYTES && !sendFailed; i++) {
            Spool.Entry e = nextEntry();
            if (e == null) {
                spool.tryFlush();
                e = nextEntry();
            }
            if (e == null) {
                break;
            }
            send(e);
            sendFrames(false);
            sent = true;
        }
        sendFrames(true);
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
            losses.countCorrupt(skipped);
            if (skipped > 0) {
                inFlight.addGap(spool.readIndex() - 1);
            }
            log.error(e.getMessage() + ": skipped " + skipped + " records (reported as lost, source " + SOURCE_SPOOL_CORRUPT
                    + "); fix: check the disk under " + spool.dir());
            return spool.next();
        }
    }

    private void send(Spool.Entry e) {
        byte[] payload = e.payload();
        EventType type = SpoolRecord.typeOf(payload);
        byte[][] kv = SpoolRecord.keyAndValue(payload);
        byte[] key = kv[0];
        byte[] value = kv[1];
        InFlightWindow.Entry f = inFlight.add(e.index(), type == null ? -1 : type.ordinal(), value.length, key.length + value.length + 64);
        if (f == null) {
            return; // delivered before a resend was needed; counted then
        }
        String topic = type != null ? topicByType[type.ordinal()] : config.topicPrefix + SpoolRecord.decode(payload).type();
        int partitions = frameLimit > 0 ? partitionCount(topic) : -1;
        if (partitions > 0) {
            frames.add(topic, partitionOf(key, partitions), partitions, key, value, f, frameLimit);
            return;
        }
        try {
            producer.send(new ProducerRecord<>(topic, null, key, value), (md, ex) -> complete(f, ex));
        } catch (KafkaException ex) {
            complete(f, ex);
        }
    }

    /** Sends the frames that are full, or with {@code all} every frame of the round. */
    private void sendFrames(boolean all) {
        for (FrameBuilder.Frame<InFlightWindow.Entry> frame : all ? frames.takeAll() : frames.takeClosed()) {
            try {
                producer.send(new ProducerRecord<>(frame.topic, frame.partition, frame.key, frame.value()),
                        (md, ex) -> completeFrame(frame, ex));
            } catch (KafkaException ex) {
                completeFrame(frame, ex);
            }
        }
    }

    /**
     * Kafka's answer for a frame is every one of its records' answer. A frame the cluster finds too
     * large (a broker or topic with a smaller message.max.bytes) is not a reason to lose its records:
     * frames are halved and the records resent from the spool; only a record too large alone is refused.
     */
    private void completeFrame(FrameBuilder.Frame<InFlightWindow.Entry> frame, Exception ex) {
        if (frame.entries.size() > 1 && (ex instanceof RecordTooLargeException || ex instanceof RecordBatchTooLargeException)) {
            int limit = frameLimit;
            frameLimit = limit / 2 < 1024 ? 0 : limit / 2;
            if (limit != frameLimit) {
                problem("kafka refused a frame of " + frame.length() + " bytes (" + describe(ex) + "): frames are now at most "
                        + frameLimit + " bytes (0: one record per Kafka record); fix: raise message.max.bytes or lower --kafka-frame-bytes");
            }
            for (InFlightWindow.Entry e : frame.entries) {
                producerErrors.incrementAndGet();
                sendFailed = true;
                e.fail(ex);
            }
            return;
        }
        for (InFlightWindow.Entry e : frame.entries) {
            complete(e, ex);
        }
    }

    /** The partition of {@code key} among {@code partitions}, as Kafka's default partitioner picks it (murmur2 of the key). */
    public static int partitionOf(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    /** Partitions of a topic (the producer's metadata, refreshed each minute), or -1 if unknown: then records go alone. */
    private int partitionCount(String topic) {
        long now = System.nanoTime();
        Integer n = partitionCounts.get(topic);
        if (n != null && now - partitionCountsNano < TimeUnit.MINUTES.toNanos(1)) {
            return n;
        }
        if (n != null) {
            partitionCounts.clear();
        }
        partitionCountsNano = now;
        try {
            n = producer.partitionsFor(topic).size();
        } catch (KafkaException ex) {
            n = -1;
        }
        partitionCounts.put(topic, n);
        return n;
    }

    /** Kafka's answer for one record (producer I/O thread, or the publisher if send threw). */
    private void complete(InFlightWindow.Entry f, Exception ex) {
        if (ex == null) {
            produced.incrementAndGet();
            bytesProduced.addAndGet(f.bytes);
            connected = true;
            f.succeed();
            return;
        }
        if (ex instanceof RecordTooLargeException || ex instanceof RecordBatchTooLargeException
                || ex instanceof InvalidRecordException) {
            f.reject(ex);
        } else {
            producerErrors.incrementAndGet();
            connected = false;
            sendFailed = true;
            f.fail(ex);
        }
    }

    private final InFlightWindow.Answers answers = new InFlightWindow.Answers() {
        @Override
        public void rejected(InFlightWindow.Entry e) {
            losses.count(LossLedger.Reason.REJECTED, e.type);
            problem("kafka rejected a record: " + describe(e.error) + " (dropped and counted, source " + SOURCE_KAFKA_REJECTED + ")");
        }

        @Override
        public void delivered(InFlightWindow.Entry e) {
            recovered();
        }
    };

    /** Acknowledges the delivered prefix of what is in flight. */
    private void completeInOrder() throws IOException {
        long ackTo = inFlight.releaseAnswered(answers);
        if (ackTo >= 0) {
            spool.ack(ackTo);
        }
    }

    private boolean needsRecovery() {
        return sendFailed || inFlight.headFailed();
    }

    /**
     * A send failed: abort everything in flight, then read the spool again from the first record
     * not delivered, skipping those delivered meanwhile.
     */
    private void recover() throws IOException {
        Exception cause = inFlight.firstFailure();
        connected = false;
        if (!failing) {
            failing = true;
            problems.reset();
        }
        problem("cannot deliver to kafka at " + config.bootstrap + ": " + KafkaProblems.describe(cause, config.bootstrap, config.properties)
                + "; " + spool.depth() + " records wait in the spool " + spool.dir() + " and are sent when it is back");
        // Check the topics before sending again: one deleted meanwhile is created again or reported with the fix.
        topicsReady = false;
        closeProducer(Duration.ZERO);
        frames.takeAll(); // what was framed and not sent is read again from the spool
        sendFailed = false;
        InFlightWindow.Recovery r = inFlight.recover(f -> losses.count(LossLedger.Reason.REJECTED, f.type));
        if (r.ackTo() >= 0) {
            spool.ack(r.ackTo());
        }
        spool.persistAck();
        if (r.resendFrom() >= 0) {
            spool.seek(r.resendFrom());
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
            log.note("delivering to kafka at " + config.bootstrap + " again; " + spool.depth() + " spooled records to replay");
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
        for (Iterator<InFlightWindow.Entry> it = inFlight.iterator(); it.hasNext(); ) {
            InFlightWindow.Entry f = it.next();
            while (f.pending() && System.nanoTime() < deadline) {
                sleep(1);
            }
        }
        inFlight.failPending(new KafkaException("producer closed before an answer"));
    }

    private void shutdownProducer() {
        long left = Math.max(0, drainDeadline - System.nanoTime());
        closeProducer(Duration.ofNanos(left));
        try {
            completeInOrder();
            spool.persistAck();
        } catch (IOException e) {
            log.error("cannot record the delivered position in " + spool.dir() + ": " + describe(e)
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
            log.error("closing the spool in " + spool.dir() + " failed: " + describe(e)
                    + "; records still buffered may be lost; fix: free disk space under " + spool.dir());
        }
        if (left > 0) {
            log.note(left + " records remain spooled in " + spool.dir() + "; they are sent at the next start");
        }
    }

    // ------------------------------------------------------------------------------ helpers

    /** An error that repeats while a problem lasts: written once per 30 s. */
    private void problem(String message) {
        if (problems.allow()) {
            log.error(message);
        }
    }

    static String describe(Throwable e) {
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

    /** This machine's host name (see {@link HostIdentity}). */
    static String localHost() {
        return HostIdentity.kernelHostName();
    }

    /** This boot's id (see {@link HostIdentity}). */
    static String localBootId() {
        return HostIdentity.kernelBootId();
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

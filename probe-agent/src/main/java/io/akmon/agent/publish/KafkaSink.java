package io.akmon.agent.publish;

import io.akmon.agent.event.Event;
import io.akmon.agent.host.HostIdentity;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.logging.AgentLog;
import io.akmon.agent.spool.Spool;
import io.akmon.schema.EventType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
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
 *
 * <p>This class wires the parts, each tested on its own without a broker: {@link SpoolWriter} (the
 * caller's side: spool, shedding, drops), {@link SinkReports} (loss and health records),
 * {@link Publisher} (the publisher thread: ordered acknowledgement, recovery and replay) over a
 * {@link Transport} ({@link KafkaTransport} here, a fake in unit tests), {@link HeartbeatFanOut}
 * (heartbeats to every partition of every event topic, and the closing one), {@link SpoolSync}
 * (forcing the spool to disk) and {@link ProblemLog} (one line a problem, repeats throttled).
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

    /**
     * The spool is forced to disk once a second ({@link SpoolSync}) on its own thread. Setting this
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
    private final ProblemLog log;
    private final Spool spool;
    private final LossLedger losses = new LossLedger();
    private final SpoolWriter writer;
    private final SinkReports reports;
    private final HeartbeatFanOut heartbeats;
    private final Publisher publisher;
    private final SpoolSync sync;
    private final boolean inlineSync = Boolean.getBoolean(INLINE_SPOOL_SYNC_PROPERTY);
    private final ScheduledExecutorService timer = daemonTimer("akmon-kafka-health");
    private final ScheduledExecutorService syncer = daemonTimer("akmon-spool-sync");
    private volatile boolean closing;
    private volatile boolean closed;

    private KafkaSink(KafkaSinkConfig config, String host, String bootId, ProblemLog log, Spool spool,
                      PublisherSequence sequence, Supplier<Transport> transports, Publisher.TopicCheck topicCheck) {
        this.config = config;
        this.log = log;
        this.spool = spool;
        SinkTopics topics = new SinkTopics(config);
        this.heartbeats = new HeartbeatFanOut(host, bootId, topics.heartbeat());
        this.sync = new SpoolSync(spool, log);
        this.publisher = new Publisher(config, spool, losses, topics, heartbeats, log, transports,
                topicCheck != null ? topicCheck : new KafkaTopicCheck(config, host, topics.all(), spool.dir(), log),
                sync, inlineSync);
        this.writer = new SpoolWriter(config, spool, losses, log, publisher::wake);
        this.reports = new SinkReports(host, bootId, sequence, spool.dir(), losses, writer, log, this::stats,
                config.spoolMaxBytes);
    }

    private static ScheduledExecutorService daemonTimer(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens the sink for this machine's host name and boot id ({@link HostIdentity}), logging through SLF4J ({@code akmon.kafka}). */
    public static KafkaSink open(KafkaSinkConfig config) {
        return open(config, HostIdentity.kernelHostName(), HostIdentity.kernelBootId());
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
        return open(config, host, bootId, log, () -> KafkaTransport.open(config, host), null);
    }

    /** With a transport and topic check of the caller's (unit tests: fakes, no broker); null topic check: the cluster's. */
    static KafkaSink open(KafkaSinkConfig config, String host, String bootId, AgentLog agentLog,
                          Supplier<Transport> transports, Publisher.TopicCheck topicCheck) {
        config.validate();
        Path dir = config.spoolPath();
        Spool spool = SpoolWriter.open(config);
        ProblemLog log = new ProblemLog(agentLog);
        KafkaSink sink = null;
        try {
            PublisherSequence seq = PublisherSequence.open(dir.resolve(PublisherSequence.FILE), bootId);
            sink = new KafkaSink(config, host, bootId, log, spool, seq, transports, topicCheck);
            if (spool.damagedAtOpen() > 0) {
                sink.losses.countCorrupt(spool.damagedAtOpen());
                log.error("the spool in " + dir + " had " + spool.damagedAtOpen() + " records damaged on disk; they are reported as lost (source "
                        + SOURCE_SPOOL_CORRUPT + "); fix: check the disk");
            }
            sink.writer.checkFreeSpace();
            sink.publisher.start();
            sink.timer.scheduleAtFixedRate(sink::reportQuietly, config.healthIntervalMs, config.healthIntervalMs,
                    TimeUnit.MILLISECONDS);
            if (!sink.inlineSync) {
                sink.syncer.scheduleWithFixedDelay(sink.sync::syncQuietly, 1, 1, TimeUnit.SECONDS);
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

    /** Further fields for the health record (e.g. the agent's records read, the kernel's cost of each program). */
    public void healthExtras(Supplier<Map<String, ?>> extras) {
        reports.extras(extras);
    }

    // ------------------------------------------------------------------------------ accepting

    @Override
    public void accept(Event event) {
        if (closed) {
            throw new IllegalStateException("kafka sink is closed");
        }
        writer.accept(event);
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
        writer.flush();
    }

    // ------------------------------------------------------------------------------ heartbeats

    /**
     * Queues a heartbeat behind the records accepted so far. The publisher sends it to every partition of
     * every event topic once Kafka has acknowledged all of them ({@link HeartbeatFanOut}). It is not
     * spooled (a restart sends new ones) and counted in no record figure.
     */
    public void heartbeat(long progressNs) {
        if (closed || closing) {
            return;
        }
        synchronized (reports.lock()) { // the sink's own records written after this are stamped later than it
            heartbeats.queue(Math.min(progressNs, System.currentTimeMillis() * 1_000_000L), spool.nextIndex());
        }
        publisher.wake();
    }

    /**
     * Sends the agent's progress ({@code Agent#progress}) as a heartbeat every {@code heartbeat_interval_ms}
     * (none when it is 0). Progress 0 (not known yet) sends nothing. A clean {@link #close} ends with a
     * closing heartbeat.
     */
    public void progress(LongSupplier progress) {
        if (config.heartbeatIntervalMs <= 0) {
            return;
        }
        heartbeats.inUse();
        timer.scheduleAtFixedRate(() -> {
            try {
                long p = progress.getAsLong();
                if (p > 0) {
                    heartbeat(p);
                }
            } catch (RuntimeException e) {
                log.problem("heartbeat failed: " + e);
            }
        }, config.heartbeatIntervalMs, config.heartbeatIntervalMs, TimeUnit.MILLISECONDS);
    }

    /** Heartbeats sent (each to every partition of every event topic), the closing one aside. */
    public long heartbeatsSent() {
        return heartbeats.sent();
    }

    /** Whether the close sent the closing heartbeat (not if records were left in the spool, nor if heartbeats were never used). */
    public boolean closingHeartbeatSent() {
        return heartbeats.closingSent();
    }

    /** The event topics heartbeats go to. */
    public List<String> heartbeatTopics() {
        return heartbeats.topics();
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
        reports.report();
    }

    /**
     * The sink's own figures of the health record as of now ({@link HealthRecord}), without the extras:
     * those (e.g. per-program cost since the previous record) are read once per record, and a scrape of
     * the metrics endpoint must not move their interval.
     */
    public Map<String, Object> health() {
        return reports.health();
    }

    public Stats stats() {
        return new Stats(writer.accepted(), publisher.produced(), publisher.bytesProduced(), spool.depth(), spool.bytes(),
                losses.total(LossLedger.Reason.FULL), losses.total(LossLedger.Reason.IO), losses.total(LossLedger.Reason.SHED),
                losses.total(LossLedger.Reason.REJECTED), publisher.producerErrors(), writer.kernelLost(), publisher.connected());
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
            publisher.nudge();
            Thread.sleep(10);
        }
        return true;
    }

    /** The oldest record not yet acknowledged and what is known about it, for diagnostics. */
    String pendingHead() {
        return publisher.pendingHead();
    }

    public KafkaSinkConfig config() {
        return config;
    }

    // ------------------------------------------------------------------------------ closing

    /**
     * Reports losses and health a last time, then publishes the spool for up to
     * {@code close_timeout_ms}; what is left stays in the spool for the next start. When nothing is
     * left, a closing heartbeat tells the jobs that this host is done (a killed agent cannot send one:
     * the jobs forget it after their idle-partition timeout).
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
        closing = true;
        publisher.drain(config.closeTimeoutMs);
        long left = spool.depth();
        try {
            spool.close();
        } catch (IOException e) {
            log.error("closing the spool in " + spool.dir() + " failed: " + ProblemLog.describe(e)
                    + "; records still buffered may be lost; fix: free disk space under " + spool.dir());
        }
        if (left > 0) {
            log.note(left + " records remain spooled in " + spool.dir() + "; they are sent at the next start");
        }
    }

    private static void closeQuietly(Spool spool) {
        try {
            spool.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    @Override
    public String toString() {
        return "KafkaSink[" + config.bootstrap + ", spool " + spool.dir() + "]";
    }

    /** The partition of {@code key} among {@code partitions}, as Kafka's default partitioner picks it (murmur2 of the key). */
    public static int partitionOf(byte[] key, int partitions) {
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(key)) % partitions;
    }
}

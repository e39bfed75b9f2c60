package io.akmon.agent.publish;

import io.akmon.agent.spool.Spool;
import io.akmon.schema.EventType;
import io.akmon.schema.FrameBuilder;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;

import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The publisher thread: reads the spool in order and hands records to the {@link Transport}, framed by
 * partition ({@link FrameBuilder}). A record leaves the spool only once Kafka has acknowledged it and
 * every record before it ({@link InFlightWindow}). A failed send stops sending, takes back what is in
 * flight and reads the spool again from the first record not delivered (recovery, with backoff), so
 * after an outage the backlog is replayed in order before newer records. Heartbeats go out behind the
 * records they vouch for ({@link HeartbeatFanOut}).
 */
final class Publisher {
    /** Checks (and creates) the sink's topics: true once they are ready; at start-up a setting that cannot work is thrown. */
    interface TopicCheck {
        boolean ready(long timeoutMs, boolean startup);
    }

    private static final int MAX_IN_FLIGHT = 200_000;
    /** Bytes handed to the producer and not yet answered: below its buffer.memory, so send() does not block on it. */
    private static final long MAX_IN_FLIGHT_BYTES = 16L << 20;
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(5);

    private final KafkaSinkConfig config;
    private final Spool spool;
    private final LossLedger losses;
    private final SinkTopics topics;
    private final HeartbeatFanOut heartbeats;
    private final ProblemLog log;
    private final Supplier<Transport> transports;
    private final TopicCheck topicCheck;
    private final SpoolSync sync;
    private final boolean inlineSync;
    private final Thread thread;

    private final AtomicLong produced = new AtomicLong();
    private final AtomicLong bytesProduced = new AtomicLong();
    private final AtomicLong producerErrors = new AtomicLong();
    private volatile boolean connected;
    private volatile boolean idle;
    private volatile boolean closing;
    private volatile long drainDeadline;
    /** A send failed since the last recovery: stop sending until the in-flight records are taken back. */
    private volatile boolean sendFailed;
    private volatile boolean topicsReady;
    /** Bytes a frame may hold (0: one record per Kafka record); halved if the cluster refuses a frame as too large. */
    private volatile int frameLimit;

    // publisher thread state
    private Transport transport;
    private final InFlightWindow inFlight = new InFlightWindow();
    private final FrameBuilder<InFlightWindow.Entry> frames = new FrameBuilder<>();
    private final PartitionCounts partitions = new PartitionCounts();
    private long lastTopicAttemptNano;
    private long backoffMs;
    private long lastAckPersistNano;
    private long lastForceNano;
    private boolean failing;

    Publisher(KafkaSinkConfig config, Spool spool, LossLedger losses, SinkTopics topics, HeartbeatFanOut heartbeats,
              ProblemLog log, Supplier<Transport> transports, TopicCheck topicCheck, SpoolSync sync, boolean inlineSync) {
        this.config = config;
        this.spool = spool;
        this.losses = losses;
        this.topics = topics;
        this.heartbeats = heartbeats;
        this.log = log;
        this.transports = transports;
        this.topicCheck = topicCheck;
        this.sync = sync;
        this.inlineSync = inlineSync;
        this.frameLimit = config.frameBytes;
        this.thread = new Thread(this::loop, "akmon-kafka-publisher");
        thread.setDaemon(true);
    }

    /** Checks the topics (a setting that cannot work is thrown), then starts publishing. */
    void start() {
        lastTopicAttemptNano = System.nanoTime();
        topicsReady = topicCheck.ready(config.connectTimeoutMs, true);
        thread.start();
    }

    /** Wakes the publisher if it waits for records. */
    void wake() {
        if (idle) {
            LockSupport.unpark(thread);
        }
    }

    /** Wakes the publisher whether or not it waits. */
    void nudge() {
        LockSupport.unpark(thread);
    }

    /**
     * Publishes what is spooled for up to {@code timeoutMs}, then closes the producer; a clean close (every
     * record acknowledged) ends with the closing heartbeat. Returns once the publisher has stopped.
     */
    void drain(long timeoutMs) {
        drainDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(timeoutMs + 15_000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long produced() {
        return produced.get();
    }

    long bytesProduced() {
        return bytesProduced.get();
    }

    long producerErrors() {
        return producerErrors.get();
    }

    boolean connected() {
        return connected;
    }

    // ------------------------------------------------------------------------------ the loop

    private void loop() {
        while (true) {
            if (closing && (System.nanoTime() > drainDeadline || (spool.depth() == 0 && inFlight.isEmpty()))) {
                break;
            }
            try {
                if (!step()) {
                    idle = true;
                    LockSupport.parkNanos(IDLE_PARK_NS);
                    idle = false;
                }
            } catch (Throwable t) {
                if (closing && t instanceof InterruptedException) {
                    break;
                }
                log.problem("publisher error: " + t);
                sleep(Math.min(2000, Math.max(100, backoffMs)));
            }
        }
        shutdown();
    }

    /** One round of publishing; returns false when there was nothing to do. */
    private boolean step() throws IOException {
        if (!topicsReady) {
            if (System.nanoTime() - lastTopicAttemptNano < TimeUnit.MILLISECONDS.toNanos(Math.max(1000, backoffMs))) {
                return false;
            }
            lastTopicAttemptNano = System.nanoTime();
            topicsReady = topicCheck.ready(Math.max(2000, config.connectTimeoutMs), false);
            if (!topicsReady) {
                backoffMs = nextBackoff();
                return false;
            }
        }
        if (transport == null) {
            transport = transports.get();
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
            sync.forceIfWritten();
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

    private Spool.Entry nextEntry() throws IOException {
        try {
            return spool.next();
        } catch (Spool.CorruptSpoolException e) {
            long skipped = spool.skipDamaged();
            losses.countCorrupt(skipped);
            if (skipped > 0) {
                inFlight.addGap(spool.readIndex() - 1);
            }
            log.error(e.getMessage() + ": skipped " + skipped + " records (reported as lost, source " + LossLedger.SPOOL_CORRUPT
                    + "); fix: check the disk under " + spool.dir());
            return spool.next();
        }
    }

    // ------------------------------------------------------------------------------ sending

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
        String topic = topics.of(payload, type);
        int n = frameLimit > 0 ? partitions.of(topic, transport) : -1;
        if (n > 0) {
            frames.add(topic, KafkaSink.partitionOf(key, n), n, key, value, f, frameLimit);
            return;
        }
        try {
            transport.send(topic, null, key, value, ex -> complete(f, ex));
        } catch (KafkaException ex) {
            complete(f, ex);
        }
    }

    /** Sends the frames that are full, or with {@code all} every frame of the round. */
    private void sendFrames(boolean all) {
        for (FrameBuilder.Frame<InFlightWindow.Entry> frame : all ? frames.takeAll() : frames.takeClosed()) {
            try {
                transport.send(frame.topic, frame.partition, frame.key, frame.value(), ex -> completeFrame(frame, ex));
            } catch (KafkaException ex) {
                completeFrame(frame, ex);
            }
        }
    }

    /** Sends the newest heartbeat whose records Kafka has all acknowledged. */
    private void sendHeartbeats() throws IOException {
        long firstBarrier = heartbeats.firstBarrier();
        if (firstBarrier < 0) {
            return;
        }
        if (spool.ackIndex() < firstBarrier) {
            completeInOrder();
        }
        heartbeats.sendDue(spool.ackIndex(), transport, partitions);
    }

    // ------------------------------------------------------------------------------ answers

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
                log.problem("kafka refused a frame of " + frame.length() + " bytes (" + ProblemLog.describe(ex) + "): frames are now at most "
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
            log.problem("kafka rejected a record: " + ProblemLog.describe(e.error) + " (dropped and counted, source "
                    + LossLedger.KAFKA_REJECTED + ")");
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

    // ------------------------------------------------------------------------------ recovery

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
            log.newEpisode();
        }
        log.problem("cannot deliver to kafka at " + config.bootstrap + ": " + KafkaProblems.describe(cause, config.bootstrap, config.properties)
                + "; " + spool.depth() + " records wait in the spool " + spool.dir() + " and are sent when it is back");
        // Check the topics before sending again: one deleted meanwhile is created again or reported with the fix.
        topicsReady = false;
        closeTransport(Duration.ZERO);
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

    private void closeTransport(Duration timeout) {
        if (transport == null) {
            return;
        }
        try {
            transport.close(timeout);
        } catch (RuntimeException e) {
            // already failing; the callbacks have reported what happened
        }
        transport = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Iterator<InFlightWindow.Entry> it = inFlight.iterator(); it.hasNext(); ) {
            InFlightWindow.Entry f = it.next();
            while (f.pending() && System.nanoTime() < deadline) {
                sleep(1);
            }
        }
        inFlight.failPending(new KafkaException("producer closed before an answer"));
    }

    /**
     * The end of the loop: after a clean drain (every record acknowledged) the closing heartbeat goes
     * out; then the producer is closed within what is left of the drain time and the position saved.
     */
    private void shutdown() {
        if (transport != null && closing && spool.depth() == 0 && inFlight.isEmpty()) {
            if (heartbeats.sendClosing(System.currentTimeMillis() * 1_000_000L, transport, partitions)) {
                log.debug("sent the closing heartbeat to every partition of " + heartbeats.topics());
            }
        }
        long left = Math.max(0, drainDeadline - System.nanoTime());
        closeTransport(Duration.ofNanos(left));
        try {
            completeInOrder();
            spool.persistAck();
        } catch (IOException e) {
            log.error("cannot record the delivered position in " + spool.dir() + ": " + ProblemLog.describe(e)
                    + "; records after the last saved position are sent again at the next start");
        }
    }

    // ------------------------------------------------------------------------------ diagnostics

    /** The oldest record not yet acknowledged and what is known about it. */
    String pendingHead() {
        InFlightWindow.Entry head = inFlight.head();
        if (head == null) {
            return "nothing in flight; spool depth " + spool.depth() + ", read index " + spool.readIndex() + ", ack index " + spool.ackIndex();
        }
        return "head index " + head.index + " type " + (head.type < 0 ? "?" : EventType.values()[head.type].wireName())
                + " state " + head.state + " error " + head.error + "; in flight " + inFlight.size() + ", spool depth " + spool.depth();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

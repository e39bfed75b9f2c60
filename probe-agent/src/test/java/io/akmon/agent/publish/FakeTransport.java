package io.akmon.agent.publish;

import org.apache.kafka.common.KafkaException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A {@link Transport} for unit tests: it keeps what it is sent and answers as the test says (at once,
 * with an error, or later), so the publisher's order, recovery and heartbeats are tested without a broker.
 * Integration tests use the real producer against a real broker.
 */
final class FakeTransport implements Transport {
    /** One Kafka record handed over: value lines split as a frame is. */
    record Sent(String topic, Integer partition, String key, List<String> lines) {
        boolean heartbeat() {
            return lines.get(0).contains("\"type\":\"heartbeat\"");
        }
    }

    /** Answer a send with this to hold its answer until {@link #release}. */
    static final Exception HOLD = new Exception("held");

    private final Map<String, Integer> partitions = new HashMap<>();
    private final int defaultPartitions;
    private final List<Sent> sent = new ArrayList<>();
    private final List<Sent> delivered = new ArrayList<>();
    private final List<Runnable> held = new ArrayList<>();
    private final List<Answer> heldAnswers = new ArrayList<>();
    /** Decides each send's answer: null delivers it, {@link #HOLD} holds it, another exception fails it. */
    volatile Function<Sent, Exception> answers = s -> null;
    int opened;
    int closed;

    FakeTransport(int defaultPartitions) {
        this.defaultPartitions = defaultPartitions;
    }

    FakeTransport partitions(String topic, int n) {
        partitions.put(topic, n);
        return this;
    }

    /** A supplier that hands out this transport and counts how often it was opened. */
    java.util.function.Supplier<Transport> supplier() {
        return () -> {
            synchronized (this) {
                opened++;
            }
            return this;
        };
    }

    @Override
    public void send(String topic, Integer partition, byte[] key, byte[] value, Answer answer) {
        Sent s = new Sent(topic, partition, new String(key, StandardCharsets.UTF_8),
                List.of(new String(value, StandardCharsets.UTF_8).split("\n")));
        Exception ex = answers.apply(s);
        synchronized (this) {
            sent.add(s);
            if (ex == HOLD) {
                held.add(() -> {
                    synchronized (this) {
                        delivered.add(s);
                    }
                });
                heldAnswers.add(answer);
                return;
            }
            if (ex == null) {
                delivered.add(s);
            }
        }
        answer.done(ex);
    }

    @Override
    public synchronized int partitions(String topic) {
        return partitions.getOrDefault(topic, defaultPartitions);
    }

    /** As the real producer: what has no answer when the time is up fails. */
    @Override
    public void close(Duration timeout) {
        List<Answer> open;
        synchronized (this) {
            closed++;
            open = new ArrayList<>(heldAnswers);
            heldAnswers.clear();
            held.clear();
        }
        open.forEach(a -> a.done(new KafkaException("producer closed")));
    }

    /** Delivers every held send. */
    void release() {
        List<Runnable> h;
        List<Answer> a;
        synchronized (this) {
            h = new ArrayList<>(held);
            a = new ArrayList<>(heldAnswers);
            held.clear();
            heldAnswers.clear();
        }
        h.forEach(Runnable::run);
        a.forEach(x -> x.done(null));
    }

    synchronized List<Sent> sent() {
        return new ArrayList<>(sent);
    }

    /** Sends Kafka acknowledged, in the order they were acknowledged. */
    synchronized List<Sent> delivered() {
        return new ArrayList<>(delivered);
    }
}

package io.akmon.flink.testing;

import io.akmon.flink.ingest.Envelope;
import io.akmon.flink.ingest.EnvelopeDeserializer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The job's real deserializer, slowed down so a run lasts long enough to checkpoint, and able to throw
 * once when armed: a genuine task failure inside the source, which makes Flink restart the job from
 * its last checkpoint. Static, because the MiniCluster runs in the test's JVM and the schema is a copy.
 */
public class InjectedFaults implements KafkaRecordDeserializationSchema<Envelope> {
    private static final long serialVersionUID = 1L;
    public static final AtomicBoolean ARMED = new AtomicBoolean();
    public static final AtomicBoolean FAILED = new AtomicBoolean();
    public static final AtomicLong RECORDS = new AtomicLong();
    public static volatile long pauseMicros;

    private final EnvelopeDeserializer delegate = new EnvelopeDeserializer();

    public static void reset(long pauseMicrosPerRecord) {
        ARMED.set(false);
        FAILED.set(false);
        RECORDS.set(0);
        pauseMicros = pauseMicrosPerRecord;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Envelope> out) throws IOException {
        RECORDS.incrementAndGet();
        if (ARMED.get() && FAILED.compareAndSet(false, true)) {
            throw new IOException("injected task failure after " + RECORDS.get() + " records");
        }
        long pause = pauseMicros;
        if (pause > 0) {
            try {
                Thread.sleep(pause / 1000, (int) (pause % 1000) * 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        delegate.deserialize(record, out);
    }

    @Override
    public TypeInformation<Envelope> getProducedType() {
        return delegate.getProducedType();
    }
}

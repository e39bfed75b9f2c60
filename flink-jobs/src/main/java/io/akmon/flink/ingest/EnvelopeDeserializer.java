package io.akmon.flink.ingest;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;

/**
 * Parses Kafka records in the source itself, so event-time watermarks are generated per Kafka
 * partition from the kernel timestamps. A record that does not parse becomes a dead letter instead
 * of an exception: poison input must never fail the job.
 */
public class EnvelopeDeserializer implements KafkaRecordDeserializationSchema<Envelope> {
    private static final long serialVersionUID = 1L;
    private final RecordParser parser;

    public EnvelopeDeserializer() {
        this(new RecordParser());
    }

    public EnvelopeDeserializer(RecordParser parser) {
        this.parser = parser;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Envelope> out) {
        out.collect(toEnvelope(record.value(), record.topic(), record.partition(), record.offset()));
    }

    public Envelope toEnvelope(byte[] value, String topic, int partition, long offset) {
        RecordParser.Result r = parser.parse(value);
        if (r.event() != null) {
            return Envelope.of(r.event());
        }
        String payload = value == null ? null : new String(value, StandardCharsets.UTF_8);
        return Envelope.dead(new DeadLetter(r.reason(), topic, partition, offset, payload));
    }

    @Override
    public TypeInformation<Envelope> getProducedType() {
        return TypeInformation.of(Envelope.class);
    }
}

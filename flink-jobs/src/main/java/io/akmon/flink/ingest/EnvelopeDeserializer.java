package io.akmon.flink.ingest;

import io.akmon.schema.Frames;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;


/**
 * Parses Kafka records in the source itself, so event-time watermarks are generated per Kafka
 * partition from the kernel timestamps. A record that does not parse becomes a dead letter instead
 * of an exception: poison input must never fail the job.
 */
public class EnvelopeDeserializer implements KafkaRecordDeserializationSchema<Envelope> {
    private static final long serialVersionUID = 1L;
    /** Default of the largest record parsed; the agent's records stay far below it. */
    public static final long DEFAULT_MAX_RECORD_BYTES = 1 << 20;
    private final RecordParser parser;
    private final long maxRecordBytes;

    public EnvelopeDeserializer() {
        this(new RecordParser());
    }

    public EnvelopeDeserializer(RecordParser parser) {
        this(parser, DEFAULT_MAX_RECORD_BYTES);
    }

    /** @param maxRecordBytes larger records become dead letters unparsed */
    public EnvelopeDeserializer(RecordParser parser, long maxRecordBytes) {
        this.parser = parser;
        this.maxRecordBytes = maxRecordBytes;
    }

    /** Each agent record of the Kafka record: one, or several in a frame of JSON Lines ({@link Frames}). */
    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Envelope> out) {
        byte[] value = record.value();
        if (value == null || value.length == 0) {
            out.collect(toEnvelope(value, record.topic(), record.partition(), record.offset()));
            return;
        }
        for (byte[] r : Frames.records(value)) {
            out.collect(toEnvelope(r, record.topic(), record.partition(), record.offset()));
        }
    }

    public Envelope toEnvelope(byte[] value, String topic, int partition, long offset) {
        if (value != null && value.length > maxRecordBytes) {
            return Envelope.dead(DeadLetterPayload.of("record of " + value.length + " bytes is larger than the limit of "
                    + maxRecordBytes + " bytes (--max-record-size)", topic, partition, offset, value));
        }
        RecordParser.Result r = parser.parse(value);
        if (r.event() != null) {
            return Envelope.of(r.event());
        }
        return Envelope.dead(DeadLetterPayload.of(r.reason(), topic, partition, offset, value));
    }

    @Override
    public TypeInformation<Envelope> getProducedType() {
        return TypeInformation.of(Envelope.class);
    }
}

package io.akmon.flink.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.flink.sink.Json;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;

/** Aggregate documents from the aggregation job's topic, as facts; anything else is skipped. */
public class AggregateFactDeserializer implements KafkaRecordDeserializationSchema<Fact> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Fact> out) {
        if (record.value() == null) {
            return;
        }
        try {
            JsonNode doc = Json.MAPPER.readTree(record.value());
            Fact f = doc != null && doc.isObject() ? Facts.of(doc) : null;
            if (f != null && FactSchema.isAggregate(f.type)) {
                out.collect(f);
            }
        } catch (IOException e) {
            // Not an aggregate document: the aggregation job's dead-letter handling owns bad input.
        }
    }

    @Override
    public TypeInformation<Fact> getProducedType() {
        return TypeInformation.of(Fact.class);
    }
}

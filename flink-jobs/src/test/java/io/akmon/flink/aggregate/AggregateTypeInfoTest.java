package io.akmon.flink.aggregate;

import io.akmon.flink.fold.ProcessFold;
import io.akmon.flink.fold.Totals;
import io.akmon.flink.sink.Json;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class AggregateTypeInfoTest {
    private static final AggregateTypeInfo.Serializer SERIALIZER = AggregateTypeInfo.Serializer.INSTANCE;

    private static ProcessAggregate process() {
        ProcessFold f = new ProcessFold();
        f.comm = "nginx";
        f.records = 7;
        f.onCpuNs = 1_500_000_000L;
        ProcessAggregate a = ProcessAggregate.of("10s", "web-1", 4242, 10_000, 20_000, f);
        a.coverage = 0.75;
        a.isFinal = false;
        return a;
    }

    private static HostAggregate host() {
        Totals t = new Totals();
        t.onCpuNs = 3_000_000_000L;
        t.records = 90;
        t.syscalls.put("read", new long[] {10, 1});
        return HostAggregate.of("1m", "web-1", 0, 60_000, t, 0, 0, 10, 4);
    }

    private static Aggregate roundTrip(Aggregate a) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        SERIALIZER.serialize(a, out);
        return SERIALIZER.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    @Test
    void aDocumentArrivesAsItsIdentityAndItsBytesWithoutAJsonParse() throws IOException {
        ProcessAggregate sent = process();
        Aggregate got = roundTrip(sent);
        AggregateDocument doc = assertInstanceOf(AggregateDocument.class, got);
        assertEquals(sent.id, doc.id);
        assertEquals(sent.kind, doc.kind);
        assertEquals(sent.resolution, doc.resolution);
        assertEquals(sent.host, doc.host);
        assertEquals(sent.timestamp, doc.timestamp);
        assertEquals(sent.windowEnd, doc.windowEnd);
        assertEquals(sent.coverage, doc.coverage);
        assertEquals(sent.isFinal, doc.isFinal);
        assertArrayEquals(sent.jsonBytes(), doc.jsonBytes());
        // written as JSON by anything that serializes it (the Elasticsearch emitter does), it is the same document
        assertEquals(Json.MAPPER.readTree(sent.jsonBytes()), Json.MAPPER.readTree(Json.bytes(doc)));
        // and it travels on as it came
        assertArrayEquals(sent.jsonBytes(), roundTrip(doc).jsonBytes());
    }

    @Test
    void aHostWindowArrivesWithItsFigures() throws IOException {
        HostAggregate sent = host();
        HostAggregate got = assertInstanceOf(HostAggregate.class, roundTrip(sent));
        assertEquals(sent.id, got.id);
        assertEquals(sent.syscalls, got.syscalls);
        assertEquals(sent.onCpuNs, got.onCpuNs);
        assertArrayEquals(sent.jsonBytes(), got.jsonBytes());
    }

    @Test
    void aCopyIsTheKindsOwnClassWithEveryFigure() throws IOException {
        ProcessAggregate sent = process();
        ProcessAggregate copy = assertInstanceOf(ProcessAggregate.class, SERIALIZER.copy(sent));
        assertEquals(sent.onCpuNs, copy.onCpuNs);
        assertEquals(sent.comm, copy.comm);
        ProcessAggregate fromDocument = assertInstanceOf(ProcessAggregate.class, SERIALIZER.copy(roundTrip(sent)));
        assertEquals(sent.records, fromDocument.records);
        assertArrayEquals(sent.jsonBytes(), fromDocument.jsonBytes());
    }

    @Test
    void formatOneTheKindAndTheDocumentIsReadIntoTheKindsClass() throws IOException {
        ProcessAggregate sent = process();
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeByte(1);
        out.writeUTF(sent.kind);
        out.writeInt(sent.jsonBytes().length);
        out.write(sent.jsonBytes());
        ProcessAggregate got = assertInstanceOf(ProcessAggregate.class,
                SERIALIZER.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())));
        assertEquals(sent.id, got.id);
        assertEquals(sent.onCpuNs, got.onCpuNs);
        assertEquals(0.75, got.coverage);
    }
}

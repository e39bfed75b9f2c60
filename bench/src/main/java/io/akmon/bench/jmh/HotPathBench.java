package io.akmon.bench.jmh;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.akmon.agent.decode.Layout;
import io.akmon.agent.decode.RecordDecoder;
import io.akmon.agent.event.Event;
import io.akmon.agent.host.HostIdentity;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The agent's per-record work: decoding a kernel record and serializing it to JSON. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HotPathBench {
    private RecordDecoder decoder;
    private ByteBuffer exec;
    private ByteBuffer exit;
    private Event execEvent;
    private JsonGenerator json;
    private ByteArrayOutputStream out;

    @Setup
    public void setup() throws IOException {
        decoder = new RecordDecoder(new HostIdentity("bench-host", "00000000-0000-0000-0000-000000000000", 0));
        exec = ByteBuffer.allocate(Layout.Exec.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        exec.putShort(Layout.Hdr.TYPE, (short) Layout.REC_EXEC).putShort(Layout.Hdr.SIZE_FIELD, (short) Layout.Exec.SIZE)
                .putLong(Layout.Hdr.SEQ, 1).putInt(Layout.Exec.PID, 1234).putInt(Layout.Exec.PPID, 1);
        byte[] file = "/usr/bin/curl".getBytes(StandardCharsets.UTF_8);
        exec.put(Layout.Exec.FILENAME, file).putShort(Layout.Exec.FILENAME_LEN_FIELD, (short) file.length);
        byte[] argv = "curl\0-s\0https://example.org/api/v1/items\0".getBytes(StandardCharsets.UTF_8);
        exec.put(Layout.Exec.ARGV, argv).putShort(Layout.Exec.ARGV_LEN_FIELD, (short) argv.length);
        exec.put(Layout.Exec.COMM, "curl".getBytes(StandardCharsets.UTF_8));
        exit = ByteBuffer.allocate(Layout.Exit.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        exit.putShort(Layout.Hdr.TYPE, (short) Layout.REC_EXIT).putShort(Layout.Hdr.SIZE_FIELD, (short) Layout.Exit.SIZE)
                .putInt(Layout.Exit.PID, 1234).putInt(Layout.Exit.EXIT_CODE, 3 << 8);
        execEvent = decoder.decode(exec);
        out = new ByteArrayOutputStream(4096);
        json = new JsonFactory().createGenerator(out);
    }

    @Benchmark
    public Event decodeExec() {
        return decoder.decode(exec);
    }

    @Benchmark
    public Event decodeExit() {
        return decoder.decode(exit);
    }

    /** The record type's wire name as it was computed before it was cached: on every call. */
    @Benchmark
    public String wireNameBefore() {
        return execEvent.type().name().toLowerCase(java.util.Locale.ROOT);
    }

    @Benchmark
    public String wireName() {
        return execEvent.type().wireName();
    }

    /** Parsing a type name as it was done before: a scan of the values, each lower-cased. */
    @Benchmark
    public io.akmon.schema.EventType fromWireBefore() {
        for (io.akmon.schema.EventType t : io.akmon.schema.EventType.values()) {
            if (t.name().toLowerCase(java.util.Locale.ROOT).equals("exit")) {
                return t;
            }
        }
        return null;
    }

    @Benchmark
    public io.akmon.schema.EventType fromWire() {
        return io.akmon.schema.EventType.fromWire("exit");
    }

    @Benchmark
    public int serializeExec() throws IOException {
        out.reset();
        execEvent.writeJson(json);
        json.flush();
        return out.size();
    }
}

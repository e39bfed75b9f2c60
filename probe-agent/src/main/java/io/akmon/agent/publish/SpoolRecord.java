package io.akmon.agent.publish;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.akmon.agent.event.Event;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How a record is framed in the spool: {@code [u8 type length][type][u16 key length][key][JSON value]}.
 * The type picks the topic, the key ({@code host/pid}) the partition, the value is what goes to Kafka.
 */
public record SpoolRecord(String type, byte[] key, byte[] value) {
    private static final JsonFactory JSON = new JsonFactory();
    private static final ThreadLocal<Encoder> ENCODER = ThreadLocal.withInitial(Encoder::new);

    private static final class Encoder {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        final JsonGenerator json;

        Encoder() {
            try {
                json = JSON.createGenerator(out);
                json.setRootValueSeparator(null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The spool payload of one record (the JSON of {@link Event#writeJson}). */
    public static byte[] encode(Event event) {
        Encoder enc = ENCODER.get();
        enc.out.reset();
        byte[] type = event.type().wireName().getBytes(StandardCharsets.UTF_8);
        byte[] key = key(event).getBytes(StandardCharsets.UTF_8);
        enc.out.write(type.length);
        enc.out.write(type, 0, type.length);
        enc.out.write(key.length >>> 8);
        enc.out.write(key.length & 0xff);
        enc.out.write(key, 0, key.length);
        try {
            event.writeJson(enc.json);
            enc.json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return enc.out.toByteArray();
    }

    /** Splits a spool payload back into type, key and value. */
    public static SpoolRecord decode(byte[] payload) {
        if (payload.length < 3) {
            throw new IllegalArgumentException("spool payload of " + payload.length + " bytes is too short to be framed");
        }
        int typeLen = payload[0] & 0xff;
        int keyAt = 1 + typeLen + 2;
        if (keyAt > payload.length) {
            throw new IllegalArgumentException("spool payload of " + payload.length + " bytes is shorter than its type");
        }
        String type = new String(payload, 1, typeLen, StandardCharsets.UTF_8);
        int keyLen = ((payload[1 + typeLen] & 0xff) << 8) | (payload[2 + typeLen] & 0xff);
        if (keyAt + keyLen > payload.length) {
            throw new IllegalArgumentException("spool payload of " + payload.length + " bytes is shorter than its key");
        }
        byte[] key = Arrays.copyOfRange(payload, keyAt, keyAt + keyLen);
        byte[] value = Arrays.copyOfRange(payload, keyAt + keyLen, payload.length);
        return new SpoolRecord(type, key, value);
    }

    /** The Kafka record key: one host's records of one process share a partition, in order. */
    public static String key(Event event) {
        return event.host() + "/" + event.pid();
    }
}

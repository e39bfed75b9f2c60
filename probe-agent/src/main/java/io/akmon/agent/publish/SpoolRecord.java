package io.akmon.agent.publish;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.akmon.agent.event.Event;
import io.akmon.schema.EventType;

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

    private static final EventType[] TYPES = EventType.values();
    /** Each family's wire name, UTF-8, computed once. */
    private static final byte[][] TYPE_BYTES = new byte[TYPES.length][];

    static {
        for (EventType t : TYPES) {
            TYPE_BYTES[t.ordinal()] = t.wireName().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** One thread's reused buffer and generator, and the UTF-8 of the last host name it saw. */
    private static final class Encoder {
        final Buffer out = new Buffer(1024);
        final JsonGenerator json;
        String host;
        byte[] hostBytes;

        Encoder() {
            try {
                json = JSON.createGenerator(out);
                json.setRootValueSeparator(null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        byte[] hostBytes(String h) {
            if (h != host) { // the decoder hands the same String to every record
                host = h;
                hostBytes = h.getBytes(StandardCharsets.UTF_8);
            }
            return hostBytes;
        }
    }

    /** A ByteArrayOutputStream without locking, that can patch bytes already written. */
    private static final class Buffer extends java.io.OutputStream {
        byte[] buf;
        int count;

        Buffer(int size) {
            buf = new byte[size];
        }

        void ensure(int more) {
            if (count + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length << 1, count + more));
            }
        }

        @Override
        public void write(int b) {
            ensure(1);
            buf[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }
    }

    /** The spool payload of one record (the JSON of {@link Event#writeJson}). */
    public static byte[] encode(Event event) {
        Encoder enc = ENCODER.get();
        Buffer out = enc.out;
        out.count = 0;
        byte[] type = TYPE_BYTES[event.type().ordinal()];
        out.write(type.length);
        out.write(type, 0, type.length);
        // key host/pid, written in place: its length goes in front once known
        int keyLenAt = out.count;
        out.write(0);
        out.write(0);
        byte[] host = enc.hostBytes(event.host());
        out.write(host, 0, host.length);
        out.write('/');
        writeDecimal(out, event.pid());
        int keyLen = out.count - keyLenAt - 2;
        out.buf[keyLenAt] = (byte) (keyLen >>> 8);
        out.buf[keyLenAt + 1] = (byte) keyLen;
        try {
            event.writeJson(enc.json);
            enc.json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Arrays.copyOf(out.buf, out.count);
    }

    private static void writeDecimal(Buffer out, int v) {
        String s = Integer.toString(v); // pids are short; the JIT keeps this cheap
        out.ensure(s.length());
        for (int i = 0; i < s.length(); i++) {
            out.buf[out.count++] = (byte) s.charAt(i);
        }
    }

    /** The family of a spool payload without decoding its name (null if unknown). */
    public static EventType typeOf(byte[] payload) {
        int len = payload[0] & 0xff;
        for (int t = 0; t < TYPE_BYTES.length; t++) {
            byte[] name = TYPE_BYTES[t];
            if (name.length == len && Arrays.equals(payload, 1, 1 + len, name, 0, len)) {
                return TYPES[t];
            }
        }
        return null;
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

    /** The key (index 0) and value (index 1) of a spool payload, copied out. */
    public static byte[][] keyAndValue(byte[] payload) {
        int typeLen = payload[0] & 0xff;
        int keyAt = 1 + typeLen + 2;
        int keyLen = ((payload[1 + typeLen] & 0xff) << 8) | (payload[2 + typeLen] & 0xff);
        if (keyAt + keyLen > payload.length) {
            throw new IllegalArgumentException("spool payload of " + payload.length + " bytes is shorter than its key");
        }
        return new byte[][] {Arrays.copyOfRange(payload, keyAt, keyAt + keyLen), Arrays.copyOfRange(payload, keyAt + keyLen, payload.length)};
    }

    /** The Kafka record key: one host's records of one process share a partition, in order. */
    public static String key(Event event) {
        return event.host() + "/" + event.pid();
    }
}

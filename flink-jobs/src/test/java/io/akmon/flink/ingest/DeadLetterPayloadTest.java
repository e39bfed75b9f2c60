package io.akmon.flink.ingest;

import io.akmon.flink.sink.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dead letters stay small whatever the record: cut payload, original length and hash. */
class DeadLetterPayloadTest {
    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aFiveMegabyteRecordBecomesASmallDeadLetterWithItsLengthAndHash() throws Exception {
        byte[] record = new byte[5 << 20];
        Arrays.fill(record, (byte) 'a');
        System.arraycopy("{\"type\":\"exec\",\"argv\":\"".getBytes(StandardCharsets.UTF_8), 0, record, 0, 23);
        EnvelopeDeserializer d = new EnvelopeDeserializer();
        Envelope e = d.toEnvelope(record, "akmon.exec", 3, 42);
        assertNull(e.event);
        DeadLetter letter = e.deadLetter;
        assertEquals("record of 5242880 bytes is larger than the limit of 1048576 bytes (--max-record-size)", letter.reason);
        assertEquals(5 << 20, letter.payloadBytes);
        assertEquals(sha256(record), letter.payloadSha256);
        assertTrue(letter.payloadTruncated);
        assertEquals("akmon.exec", letter.topic);
        assertEquals(3, letter.partition);
        assertEquals(42, letter.offset);
        byte[] json = Json.bytes(letter);
        assertTrue(json.length < DeadLetterPayload.DEFAULT_MAX_BYTES + 1024, "dead letter of " + json.length + " bytes");
        assertTrue(new String(record, StandardCharsets.UTF_8).startsWith(letter.payload));
    }

    @Test
    void aRecordFullOfCharactersJsonMustEscapeStaysWithinTheLimitOnceEncoded() throws Exception {
        // Control characters take six bytes each once escaped (\\u0001), quotes and backslashes two,
        // and a character outside the BMP four: 600 kB of them would be 3.6 MB of dead letter uncut.
        StringBuilder b = new StringBuilder("{\"comm\":\"");
        for (int i = 0; i < 200_000; i++) {
            b.append('\u0001').append('"').append('\\').append("\uD83D\uDE00").append('é');
        }
        byte[] record = b.toString().getBytes(StandardCharsets.UTF_8);
        assertTrue(record.length < (1 << 20) * 2, "under the 1 MB limit? " + record.length);
        EnvelopeDeserializer d = new EnvelopeDeserializer(new RecordParser(), 4L << 20);
        DeadLetter letter = d.toEnvelope(record, "akmon.exec", 0, 7).deadLetter;
        assertTrue(letter.reason.startsWith("not JSON: "), letter.reason);
        assertTrue(letter.reason.length() <= DeadLetterPayload.MAX_REASON_CHARS + 3, letter.reason);
        assertTrue(letter.payloadTruncated);
        assertEquals(record.length, letter.payloadBytes);
        assertEquals(sha256(record), letter.payloadSha256);

        byte[] encodedPayload = Json.MAPPER.writeValueAsBytes(letter.payload);
        assertTrue(encodedPayload.length - 2 <= DeadLetterPayload.DEFAULT_MAX_BYTES, "escaped payload " + encodedPayload.length);
        assertTrue(encodedPayload.length - 2 > DeadLetterPayload.DEFAULT_MAX_BYTES - 16, "cut close to the limit: " + encodedPayload.length);
        // The cut never splits a surrogate pair, and the text read back is the start of the record.
        assertFalse(Character.isHighSurrogate(letter.payload.charAt(letter.payload.length() - 1)));
        assertEquals(letter.payload, Json.MAPPER.readValue(encodedPayload, String.class));
        assertTrue(b.toString().startsWith(letter.payload));
        assertTrue(Json.bytes(letter).length < DeadLetterPayload.DEFAULT_MAX_BYTES + 2048);
    }

    @Test
    void smallRecordsAreCarriedWhole() throws Exception {
        byte[] record = "{\"type\":\"nope\"}".getBytes(StandardCharsets.UTF_8);
        DeadLetter letter = new EnvelopeDeserializer().toEnvelope(record, "t", 0, 1).deadLetter;
        assertEquals("{\"type\":\"nope\"}", letter.payload);
        assertFalse(letter.payloadTruncated);
        assertEquals(record.length, letter.payloadBytes);
        assertEquals(sha256(record), letter.payloadSha256);
    }

    @Test
    void theEncodedSizeOfEveryKindOfCharacterIsWhatJacksonWrites() throws Exception {
        String all = "a\u0000\u001f\"\\\n\té\u20ac\uD83D\uDE00x";
        for (int cut = 0; cut <= 40; cut++) {
            String t = DeadLetterPayload.truncate(all, cut);
            assertTrue(Json.MAPPER.writeValueAsBytes(t).length - 2 <= cut, "cut " + cut + ": " + t);
        }
        assertEquals(all, DeadLetterPayload.truncate(all, 1000));
    }
}

package io.akmon.flink.ingest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Bounds what a dead letter carries of its record: the start of the payload, cut so that its JSON
 * encoding (escapes included) stays within a limit, plus the original length and a SHA-256 of the whole.
 * A record near the producer's size limit, or one that grows when escaped, then still makes a small
 * dead letter instead of a failed write.
 */
public final class DeadLetterPayload {
    /** Default limit of the payload's JSON encoding in a dead letter. */
    public static final int DEFAULT_MAX_BYTES = 16 * 1024;
    /** Longest reason kept; parser messages can quote input. */
    static final int MAX_REASON_CHARS = 1024;

    private DeadLetterPayload() {
    }

    /** A dead letter for a raw record, payload cut to {@link #DEFAULT_MAX_BYTES}. */
    public static DeadLetter of(String reason, String topic, int partition, long offset, byte[] value) {
        return of(reason, topic, partition, offset, value, DEFAULT_MAX_BYTES);
    }

    public static DeadLetter of(String reason, String topic, int partition, long offset, byte[] value, int maxBytes) {
        DeadLetter d = new DeadLetter(cut(reason, MAX_REASON_CHARS), topic, partition, offset, null);
        if (value != null) {
            String text = new String(value, StandardCharsets.UTF_8);
            d.payload = truncate(text, maxBytes);
            d.payloadTruncated = d.payload.length() < text.length();
            d.payloadBytes = value.length;
            d.payloadSha256 = sha256(value);
        }
        return d;
    }

    /** The longest prefix of {@code text} whose JSON string encoding (UTF-8, without quotes) fits {@code maxBytes}. */
    public static String truncate(String text, int maxBytes) {
        long size = 0;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            int chars = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1)) ? 2 : 1;
            size += encodedBytes(c, chars);
            if (size > maxBytes) {
                break;
            }
            i += chars;
        }
        return i == text.length() ? text : text.substring(0, i);
    }

    /** Bytes one character (or surrogate pair) takes in a JSON string written as UTF-8. */
    static int encodedBytes(char c, int chars) {
        if (chars == 2) {
            return 12; // Jackson 2.16 escapes each half of a pair: two 6-byte escapes
        }
        if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
            return 2;
        }
        if (c < 0x20) {
            return 6; // \\u00XX
        }
        if (c < 0x80) {
            return 1;
        }
        if (c < 0x800) {
            return 2;
        }
        // Other BMP characters; a lone surrogate is written as an escape.
        return Character.isSurrogate(c) ? 6 : 3;
    }

    static String sha256(byte[] value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    private static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max) + "...";
    }
}

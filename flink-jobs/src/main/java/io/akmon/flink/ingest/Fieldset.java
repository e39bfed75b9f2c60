package io.akmon.flink.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.akmon.schema.Fields;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The top-level fields of one record that {@link RecordParser} reads, from one streaming pass: for each
 * known field its kind and value, unknown fields skipped (their syntax still checked). A value repeated
 * in the object counts as its last occurrence.
 */
final class Fieldset {
    static final int ABSENT = 0;
    static final int NULL = 1;
    static final int INTEGER = 2;
    static final int TEXT = 3;
    static final int BOOLEAN = 4;
    /** A number that is not an integer within long range. */
    static final int OTHER_NUMBER = 5;
    static final int OBJECT = 6;
    static final int ARRAY = 7;

    private static final String[] KNOWN = {Fields.SCHEMA, Fields.TYPE, Fields.HOST, Fields.BOOT_ID, Fields.CPU,
        Fields.SEQ, Fields.TS, Fields.PID, Fields.COMM, Fields.PPID, Fields.EXIT_CODE, Fields.SIGNAL,
        Fields.CORE_DUMPED, Fields.LIFETIME_NS, Fields.SYSCALL, Fields.COUNT, Fields.ERRORS, Fields.INTERVAL_NS,
        Fields.ON_CPU_NS, Fields.EVENT, Fields.RSS_BYTES, Fields.RSS_MAX_BYTES, Fields.PAGE_FAULTS, Fields.DEV,
        Fields.DEVICE, Fields.OP, Fields.OPS, Fields.BYTES, Fields.LATENCY_NS_SUM, Fields.LATENCY_HIST_US,
        Fields.CONN, Fields.SADDR, Fields.DADDR, Fields.SPORT, Fields.DPORT, Fields.BYTES_SENT,
        Fields.BYTES_RECEIVED, Fields.RETRANSMITS, Fields.DATAGRAMS_SENT, Fields.DATAGRAMS_RECEIVED,
        Fields.RX_BYTES, Fields.TX_BYTES, Fields.RX_PACKETS, Fields.TX_PACKETS, Fields.RX_DROPPED, Fields.TX_DROPPED,
        Fields.RX_ERRORS, Fields.TX_ERRORS, Fields.SOURCE, Fields.LOST, Fields.SOURCE_CPU, Fields.PATH,
        Fields.NEW_PATH, Fields.ERRNO, Fields.FD_KIND,
        Fields.CPU_BUSY_NS, Fields.MEM_TOTAL_BYTES, Fields.MEM_AVAILABLE_BYTES, Fields.MEM_USED_BYTES,
        Fields.UID, Fields.FILENAME, Fields.ARGV, Fields.INITIAL, Fields.START_TS, Fields.CLOSING};
    private static final Map<String, Integer> SLOTS = new HashMap<>();

    static {
        for (int i = 0; i < KNOWN.length; i++) {
            SLOTS.put(KNOWN[i], i);
        }
    }

    private final int[] kinds = new int[KNOWN.length];
    private final long[] numbers = new long[KNOWN.length];
    private final String[] texts = new String[KNOWN.length];
    /** The latency histogram, when it is an array of integers. */
    long[] histogram;
    /** Index of the histogram's first element that is not an integer, or -1. */
    int histogramError = -1;
    /** argv, when it is an array of strings. */
    String[] argv;
    /** Index of argv's first element that is not a string, or -1. */
    int argvError = -1;

    /** Reads one JSON value; null if it is not an object. Throws on malformed JSON anywhere in it. */
    static Fieldset read(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        Fieldset f = new Fieldset();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            Integer slot = SLOTS.get(p.currentName());
            JsonToken v = p.nextToken();
            if (slot == null) {
                p.skipChildren();
            } else if (KNOWN[slot].equals(Fields.LATENCY_HIST_US) && v == JsonToken.START_ARRAY) {
                f.kinds[slot] = ARRAY;
                f.readHistogram(p);
            } else if (KNOWN[slot].equals(Fields.ARGV) && v == JsonToken.START_ARRAY) {
                f.kinds[slot] = ARRAY;
                f.readArgv(p);
            } else {
                f.value(slot, v, p);
            }
        }
        return f;
    }

    private void value(int slot, JsonToken v, JsonParser p) throws IOException {
        texts[slot] = null;
        switch (v) {
            case VALUE_NULL -> kinds[slot] = NULL;
            case VALUE_STRING -> {
                kinds[slot] = TEXT;
                texts[slot] = p.getText();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                kinds[slot] = BOOLEAN;
                numbers[slot] = v == JsonToken.VALUE_TRUE ? 1 : 0;
                texts[slot] = v == JsonToken.VALUE_TRUE ? "true" : "false";
            }
            case VALUE_NUMBER_INT -> {
                JsonParser.NumberType type = p.getNumberType();
                if (type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG) {
                    kinds[slot] = INTEGER;
                    numbers[slot] = p.getLongValue();
                } else {
                    kinds[slot] = OTHER_NUMBER;
                    texts[slot] = p.getBigIntegerValue().toString();
                }
            }
            case VALUE_NUMBER_FLOAT -> {
                kinds[slot] = OTHER_NUMBER;
                texts[slot] = Double.toString(p.getDoubleValue());
            }
            case START_OBJECT, START_ARRAY -> {
                kinds[slot] = v == JsonToken.START_OBJECT ? OBJECT : ARRAY;
                texts[slot] = "";
                p.skipChildren();
            }
            default -> throw new IOException("unexpected token " + v);
        }
    }

    private void readHistogram(JsonParser p) throws IOException {
        long[] h = new long[32];
        int n = 0;
        histogramError = -1;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                throw new IOException("unexpected end of input in " + Fields.LATENCY_HIST_US);
            }
            boolean integer = t == JsonToken.VALUE_NUMBER_INT && (p.getNumberType() == JsonParser.NumberType.INT
                    || p.getNumberType() == JsonParser.NumberType.LONG);
            if (!integer && histogramError < 0) {
                histogramError = n;
            }
            if (n == h.length) {
                h = Arrays.copyOf(h, n * 2);
            }
            h[n++] = integer ? p.getLongValue() : 0;
            p.skipChildren();
        }
        histogram = n == h.length ? h : Arrays.copyOf(h, n);
    }

    private void readArgv(JsonParser p) throws IOException {
        java.util.List<String> a = new java.util.ArrayList<>();
        argvError = -1;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                throw new IOException("unexpected end of input in " + Fields.ARGV);
            }
            if (t != JsonToken.VALUE_STRING && argvError < 0) {
                argvError = a.size();
            }
            a.add(t == JsonToken.VALUE_STRING ? p.getText() : "");
            p.skipChildren();
        }
        argv = a.toArray(new String[0]);
    }

    int kind(String field) {
        return kinds[SLOTS.get(field)];
    }

    long number(String field) {
        return numbers[SLOTS.get(field)];
    }

    /** The value as text: strings as they are, numbers and booleans as written, objects and arrays as "". */
    String text(String field) {
        int slot = SLOTS.get(field);
        return kinds[slot] == INTEGER ? Long.toString(numbers[slot]) : texts[slot];
    }
}

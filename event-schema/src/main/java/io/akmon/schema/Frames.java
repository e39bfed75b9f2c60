package io.akmon.schema;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The value of a Kafka record on an agent topic: one agent record, or several of one partition sent
 * as one Kafka record (a frame), as JSON Lines: records separated by {@code '\n'}. JSON escapes every
 * control character inside strings, so a newline byte only ever separates records. The producer's
 * per-record costs (send, callback, record framing) are paid once per frame, and a reader that
 * splits on newlines reads a single record and a frame alike.
 */
public final class Frames {
    public static final byte SEPARATOR = '\n';

    private Frames() {
    }

    /** The records of a Kafka record value, in order; empty lines are skipped; a null value has none. */
    public static List<byte[]> records(byte[] value) {
        if (value == null) {
            return List.of();
        }
        int first = indexOf(value, 0);
        if (first < 0) {
            return value.length == 0 ? List.of() : List.of(value);
        }
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        for (int nl = first; ; nl = indexOf(value, from)) {
            int to = nl < 0 ? value.length : nl;
            if (to > from) {
                out.add(Arrays.copyOfRange(value, from, to));
            }
            if (nl < 0) {
                return out;
            }
            from = nl + 1;
        }
    }

    /** The records of a Kafka record value read as text, in order; empty lines are skipped; null has none. */
    public static List<String> records(String value) {
        if (value == null || value.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int nl = value.indexOf(SEPARATOR, from);
            int to = nl < 0 ? value.length() : nl;
            if (to > from) {
                out.add(value.substring(from, to));
            }
            if (nl < 0) {
                return out;
            }
            from = nl + 1;
        }
    }

    /** How many records a Kafka record value holds, without copying them. */
    public static int count(byte[] value) {
        if (value == null) {
            return 0;
        }
        int n = 0;
        boolean inRecord = false;
        for (byte b : value) {
            if (b == SEPARATOR) {
                inRecord = false;
            } else if (!inRecord) {
                inRecord = true;
                n++;
            }
        }
        return n;
    }

    private static int indexOf(byte[] value, int from) {
        for (int i = from; i < value.length; i++) {
            if (value[i] == SEPARATOR) {
                return i;
            }
        }
        return -1;
    }
}

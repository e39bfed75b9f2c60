package io.akmon.schema;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one size grammar of akmon: a whole number of bytes, optionally with a binary unit
 * {@code b}, {@code kb}, {@code mb}, {@code gb}, {@code tb} (1 kb = 1024 bytes; {@code k}, {@code m}, {@code g},
 * {@code t}, {@code kib}, {@code mib}, {@code gib}, {@code tib} mean the same).
 */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,18})\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?");
    public static final String GRAMMAR = "a whole number of bytes with an optional unit: 65536, 64kb, 1mb, 2gb";

    private Sizes() {
    }

    public static long parse(String value) {
        if (value == null) {
            throw new IllegalArgumentException("missing size (use " + GRAMMAR + ")");
        }
        Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "b" : m.group(2);
                int shift = switch (unit.charAt(0)) {
                    case 'k' -> 10;
                    case 'm' -> 20;
                    case 'g' -> 30;
                    case 't' -> 40;
                    default -> 0;
                };
                if (n > (Long.MAX_VALUE >> shift)) {
                    throw new ArithmeticException();
                }
                return n << shift;
            } catch (ArithmeticException | NumberFormatException e) {
                // falls through
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not a size (use " + GRAMMAR + ")");
    }

    /** The normal form: the largest unit that divides the size ({@code 1mb}, {@code 64kb}, {@code 100b}). */
    public static String format(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "gb";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "mb";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "kb";
        }
        return bytes + "b";
    }
}

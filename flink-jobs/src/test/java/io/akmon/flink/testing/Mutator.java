package io.akmon.flink.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Seeded mutation of text inputs for the parser fuzz tests: byte and character edits, splices of two
 * seeds, tokens swapped for the values that break parsers (huge and negative numbers, NaN, empty,
 * null, deep nesting, control characters, unpaired surrogates). Deterministic for a seed, so a failure
 * names the input that reproduces it.
 */
public final class Mutator {
    private static final String[] TOKENS = {
        "0", "-1", "1", "-0", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e309",
        "-1e309", "1.5", "NaN", "Infinity", "0x10", "00", "null", "true", "false", "\"\"", "[]", "{}", "[{}]",
        "\"\\u0000\"", "\"\\ud800\"", "\"\\\"\"", "\"\\\\\"", "\"é\"", "\"\uD83D\uDE00\"", "\u0001", "\u0000", "\n", "\t",
        "\"10y\"", "\"10000ms\"", "\"${x}\"", "${fork_storm_window}", "&a", "*a", "!!binary", "%YAML 1.2", "---",
        "- ", ": ", "? ", "|", ">", "#", "'", "\"", "{", "}", "[", "]", ",", ":", "-", "(", ")",
        "((((((((((", " + ", " / 0"
    };

    private final Random random;
    private final List<String> seeds;

    public Mutator(long seed, List<String> seeds) {
        this.random = new Random(seed);
        this.seeds = seeds;
    }

    /** One mutated input: a seed with one to four edits. */
    public String next() {
        String s = seeds.get(random.nextInt(seeds.size()));
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits; i++) {
            s = edit(s);
        }
        return s;
    }

    private String edit(String s) {
        int n = s.length();
        int at = n == 0 ? 0 : random.nextInt(n);
        int len = n == 0 ? 0 : 1 + random.nextInt(Math.min(16, n - at));
        switch (random.nextInt(11)) {
            case 0: // flip a character
                return n == 0 ? s : s.substring(0, at) + (char) (s.charAt(at) ^ (1 << random.nextInt(7))) + s.substring(at + 1);
            case 1: // insert a token
                return s.substring(0, at) + token() + s.substring(at);
            case 2: // delete a run
                return s.substring(0, at) + s.substring(Math.min(n, at + len));
            case 3: // duplicate a run
                return s.substring(0, Math.min(n, at + len)) + s.substring(at, Math.min(n, at + len)) + s.substring(Math.min(n, at + len));
            case 4: // replace a run with a token
                return s.substring(0, at) + token() + s.substring(Math.min(n, at + len));
            case 5: // truncate
                return s.substring(0, at);
            case 6: { // splice with another seed
                String o = seeds.get(random.nextInt(seeds.size()));
                return s.substring(0, at) + o.substring(random.nextInt(Math.max(1, o.length())));
            }
            case 7: { // replace a number with a token
                int d = firstDigitFrom(s, at);
                if (d < 0) {
                    return s;
                }
                int e = d;
                while (e < n && (Character.isDigit(s.charAt(e)) || s.charAt(e) == '.')) {
                    e++;
                }
                return s.substring(0, d) + token() + s.substring(e);
            }
            case 8: { // deep nesting
                int depth = 1 + random.nextInt(3000);
                String open = random.nextBoolean() ? "[" : "{\"a\":";
                return s.substring(0, at) + open.repeat(depth) + s.substring(at);
            }
            case 9: { // a line removed or repeated (YAML structure)
                String[] lines = s.split("\n", -1);
                int l = random.nextInt(lines.length);
                StringBuilder b = new StringBuilder();
                boolean repeat = random.nextBoolean();
                for (int i = 0; i < lines.length; i++) {
                    if (i == l && !repeat) {
                        continue;
                    }
                    b.append(lines[i]).append('\n');
                    if (i == l) {
                        b.append(lines[i]).append('\n');
                    }
                }
                return b.toString();
            }
            default: { // an indentation changed
                int nl = s.lastIndexOf('\n', at);
                return s.substring(0, nl + 1) + " ".repeat(random.nextInt(4)) + s.substring(nl + 1 + (random.nextBoolean() && nl + 1 < n && s.charAt(nl + 1) == ' ' ? 1 : 0));
            }
        }
    }

    private int firstDigitFrom(String s, int at) {
        for (int i = at; i < s.length(); i++) {
            if (Character.isDigit(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private String token() {
        return TOKENS[random.nextInt(TOKENS.length)];
    }

    /** Raw bytes, sometimes not UTF-8 at all. */
    public byte[] bytes(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0 && random.nextInt(8) == 0) {
            b[random.nextInt(b.length)] = (byte) (0x80 + random.nextInt(128));
        }
        return b;
    }
}

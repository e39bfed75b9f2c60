package io.akmon.flink.alert.rules;

/** A problem in a rules file: which rule (null when outside any), where (1-based), and what is wrong. */
public record RuleError(String rule, int line, int column, String message) {
    /** One line: line breaks and other control characters in the rule name or message are shown escaped. */
    public String format(String source) {
        return source + ":" + line + ":" + column + ": " + (rule == null ? "" : "rule '" + oneLine(rule) + "': ")
                + oneLine(message);
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\u0085') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}

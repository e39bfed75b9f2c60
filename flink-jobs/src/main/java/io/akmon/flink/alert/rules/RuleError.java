package io.akmon.flink.alert.rules;

/** A problem in a rules file: which rule (null when outside any), where (1-based), and what is wrong. */
public record RuleError(String rule, int line, int column, String message) {
    public String format(String source) {
        return source + ":" + line + ":" + column + ": " + (rule == null ? "" : "rule '" + rule + "': ") + message;
    }
}

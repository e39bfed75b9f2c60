package io.akmon.flink.alert;

import io.akmon.flink.alert.rules.InvalidRulesException;
import io.akmon.flink.alert.rules.Rule;
import io.akmon.flink.alert.rules.RuleError;
import io.akmon.flink.alert.rules.RuleParser;
import io.akmon.flink.alert.rules.RuleSet;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Invalid rules files give the rule's name, the line and column of the offending node, and what is wrong. */
class RuleParserTest {
    private static final String HEAD = """
            params:
              limit: 90
              window: 30s
              name: web
            rules:
            """;

    /** A rule with the given lines spliced in; {@code STEP} lines go into its only step. */
    private static String rule(String ruleLines, String stepLines) {
        return HEAD + """
                  - name: r1
                    severity: warning
                    key: [host, pid]
                    within: 30s
                    message: "{key.host} {busy.cpu_pct}"
                """ + ruleLines + """
                    steps:
                      - name: busy
                        type: process_window
                """ + stepLines;
    }

    /** The 1-based line and column where {@code needle} first occurs at or after {@code after}. */
    private static int[] at(String text, String needle, String after) {
        int i = text.indexOf(needle, after == null ? 0 : text.indexOf(after));
        assertTrue(i >= 0, needle + " not in text");
        int line = 1;
        int lineStart = 0;
        for (int k = 0; k < i; k++) {
            if (text.charAt(k) == '\n') {
                line++;
                lineStart = k + 1;
            }
        }
        return new int[] {line, i - lineStart + 1};
    }

    private static void assertErrors(String text, RuleError... expected) {
        RuleParser.Result r = RuleParser.parse(text, "test.yaml", Map.of());
        assertEquals(List.of(expected), r.errors());
    }

    private static RuleError error(String text, String needle, String after, String rule, String message) {
        int[] p = at(text, needle, after);
        return new RuleError(rule, p[0], p[1], message);
    }

    @Test
    void validRuleCompiles() {
        String text = rule("", "        where: {cpu_pct: {gt: \"${limit}\"}}\n        times: 3\n        consecutive: true\n");
        RuleSet set = RuleParser.parse(text, "test.yaml", Map.of()).orThrow();
        Rule r = set.rule("r1");
        assertEquals(Duration.ofSeconds(30), r.within);
        assertEquals(Duration.ofMinutes(5), r.throttle);
        assertEquals(List.of("host", "pid"), r.keyNames);
        assertEquals(3, r.steps.get(0).minTimes);
        assertEquals(90L, set.params.get("limit"));
    }

    @Test
    void unknownFieldInCondition() {
        String text = rule("", "        where: {cpu_percent: {gt: 90}}\n");
        assertErrors(text, error(text, "cpu_percent", null, "r1", "unknown field 'cpu_percent' for type 'process_window'"));
    }

    @Test
    void typeMismatches() {
        String text = rule("", """
                        where:
                          cpu_pct: fast
                          comm: {gt: 3}
                          pid: {matches: "1.*"}
                          exited: {in: [true, 3]}
                """);
        assertErrors(text,
                error(text, "fast", null, "r1", "type mismatch: 'cpu_pct' is a number, the value 'fast' is a string"),
                error(text, "3}", "comm:", "r1", "type mismatch: 'gt' needs a number field, 'comm' is a string"),
                error(text, "\"1.*\"", null, "r1", "type mismatch: 'matches' needs a string field, 'pid' is a number"),
                error(text, "3]", "exited", "r1", "type mismatch: 'exited' is a boolean, the value '3' is a number"));
    }

    @Test
    void badDurations() {
        String text = HEAD + """
                  - name: r1
                    severity: warning
                    key: [host]
                    within: 30 seconds
                    throttle: 0s
                    message: m
                    steps:
                      - name: a
                        type: exit
                """;
        assertErrors(text,
                error(text, "30 seconds", null, "r1", "bad duration '30 seconds' for 'within': expected a positive "
                        + "whole number followed by ms, s, m, h or d, e.g. 30s"),
                error(text, "0s", "throttle", "r1", "bad duration '0s' for 'throttle': expected a positive whole "
                        + "number followed by ms, s, m, h or d, e.g. 30s"));
    }

    @Test
    void unknownTypeKeyAndSeverity() {
        String text = HEAD + """
                  - name: r1
                    severity: urgent
                    key: [host]
                    message: m
                    severty: warning
                    steps:
                      - name: a
                        type: exits
                """;
        assertErrors(text,
                error(text, "urgent", null, "r1", "unknown severity 'urgent': expected critical, warning or info"),
                error(text, "severty", null, "r1", "unknown key 'severty' in a rule: expected one of name, "
                        + "description, enabled, severity, key, within, throttle, after_match, filter, message, steps"),
                error(text, "exits", null, "r1", "unknown type 'exits': expected one of fork, exec, exit, syscall, "
                        + "cpu, memory, disk, net, file, lost, agent, process_window, host_window, disk_window, "
                        + "connection_window, process_session"));
    }

    @Test
    void missingMessageAndKey() {
        String text = HEAD + """
                  - name: r1
                    severity: info
                    steps:
                      - name: a
                        type: exit
                """;
        assertErrors(text,
                error(text, "name: r1", null, "r1", "missing 'key' (the fields alerts are grouped by, e.g. [host, pid])"),
                error(text, "name: r1", null, "r1", "missing 'message'"));
    }

    @Test
    void keyFieldsMustExistForEveryType() {
        String text = HEAD + """
                  - name: r1
                    severity: info
                    message: m
                    key:
                      net: [host, pid]
                      exec: [host, parent]
                    steps:
                      - name: a
                        type: net
                      - name: b
                        type: exec
                      - name: c
                        type: exit
                """;
        assertErrors(text,
                error(text, "net: [host", null, "r1", "no key for type 'exit' (steps of that type need one)"),
                error(text, "parent", null, "r1", "unknown field 'parent' for type 'exec' in key"));
    }

    @Test
    void parameterProblems() {
        String text = rule("", """
                        where:
                          cpu_pct: {gt: "${limits}"}
                          rss_bytes: {gt: "${name} * 2"}
                          pid: {gt: "${limit} * (2"}
                """);
        assertErrors(text,
                error(text, "\"${limits}\"", null, "r1", "unknown parameter 'limits'"),
                error(text, "\"${name} * 2\"", null, "r1",
                        "type mismatch: parameter 'name' is not a number and cannot be used in arithmetic"),
                error(text, "\"${limit} * (2\"", null, "r1", "bad expression '${limit} * (2': missing ')'"));
    }

    @Test
    void badRegexAndBadComparison() {
        String text = rule("", """
                        where:
                          comm: {matches: "(unclosed"}
                          cpu_pct: {above: 3}
                """);
        assertErrors(text,
                error(text, "\"(unclosed\"", null, "r1", "bad regular expression: Unclosed group"),
                error(text, "above", null, "r1", "unknown comparison 'above': expected eq, ne, gt, ge, lt, le, in, "
                        + "not_in, matches, contains, starts_with or ends_with"));
    }

    @Test
    void referencesMustNameThisOrAnEarlierStepAndAFieldOfTheSameKind() {
        String text = HEAD + """
                  - name: r1
                    severity: info
                    key: [host, pid]
                    message: m
                    steps:
                      - name: a
                        type: memory
                        where: {rss_bytes: {gt: "@b.rss_bytes"}}
                      - name: b
                        type: memory
                        where: {rss_bytes: {gt: "@a.comm"}, pid: {in: "@a.nope"}}
                """;
        assertErrors(text,
                error(text, "\"@b.rss_bytes\"", null, "r1",
                        "reference to step 'b', which is neither this step nor an earlier one"),
                error(text, "\"@a.comm\"", null, "r1", "type mismatch: 'rss_bytes' is a number, @a.comm is a string"),
                error(text, "\"@a.nope\"", null, "r1", "unknown field 'nope' for type 'memory'"));
    }

    @Test
    void patternShapeProblems() {
        String text = HEAD + """
                  - name: r1
                    severity: info
                    key: [host, pid]
                    message: m
                    steps:
                      - name: a
                        type: exit
                        contiguity: next
                        consecutive: true
                      - name: b
                        type: exit
                        contiguity: not_followed_by
                        times: 2
                """;
        assertErrors(text,
                error(text, "name: a", null, "r1", "consecutive, allow_combinations and greedy need a looping "
                        + "quantifier (times above 1, a times range, one_or_more or times_or_more)"),
                error(text, "next", null, "r1", "the first step has no contiguity: it starts the pattern"),
                error(text, "name: b", null, "r1", "not_followed_by steps take no quantifier and cannot be optional"),
                error(text, "name: b", null, "r1", "a pattern ending in not_followed_by needs 'within' on the rule"));
    }

    @Test
    void badPlaceholdersInMessage() {
        String text = HEAD + """
                  - name: r1
                    severity: info
                    key: [host, comm]
                    message: "{key.pid} {a.max.comm} {b.count} {a.nope}"
                    steps:
                      - name: a
                        type: exit
                """;
        int[] p = at(text, "\"{key.pid}", null);
        assertErrors(text,
                new RuleError("r1", p[0], p[1], "bad placeholder {key.pid} in message: the key has no part 'pid' (it has [host, comm])"),
                new RuleError("r1", p[0], p[1], "bad placeholder {a.max.comm} in message: type mismatch: max needs a number field, 'comm' is a string"),
                new RuleError("r1", p[0], p[1], "bad placeholder {b.count} in message: no step named 'b'"),
                new RuleError("r1", p[0], p[1], "bad placeholder {a.nope} in message: unknown field 'nope' for type 'exit'"));
    }

    @Test
    void duplicatesAreReported() {
        String text = HEAD + """
                  - name: r1
                    severity: info
                    key: [host]
                    message: m
                    message: n
                    steps:
                      - name: a
                        type: exit
                        where: {exit_code: 1, exit_code: 2}
                  - name: r1
                    severity: info
                    key: [host]
                    message: m
                    steps:
                      - name: a
                        type: exit
                """;
        assertErrors(text,
                error(text, "message: n", null, "r1", "duplicate key 'message' in a rule"),
                error(text, "exit_code: 2", null, "r1",
                        "duplicate key 'exit_code' in a condition: use 'and' to combine conditions on one field"),
                error(text, "r1", "exit_code: 2", "r1", "duplicate rule name"));
    }

    @Test
    void yamlSyntaxErrorHasNoRuleButAPosition() {
        String text = HEAD + "  - name: r1\n    key: [host\n    severity: info\n";
        RuleParser.Result r = RuleParser.parse(text, "test.yaml", Map.of());
        assertEquals(1, r.errors().size());
        RuleError e = r.errors().get(0);
        assertEquals(null, e.rule());
        assertEquals(8, e.line());
        assertEquals(13, e.column());
        assertTrue(e.message().startsWith("not valid YAML: "), e.message());
    }

    @Test
    void emptyAndShapelessFiles() {
        assertErrors("", new RuleError(null, 1, 1, "the file is empty: expected 'rules:'"));
        String text = "rules: {a: 1}\n";
        assertErrors(text, error(text, "{a: 1}", null, null, "'rules' must be a list of rules"));
    }

    @Test
    void commandLineParametersOverrideAndMustExist() {
        String text = rule("", "        where: {cpu_pct: {gt: \"${limit}\"}}\n");
        RuleSet set = RuleParser.parse(text, "test.yaml", Map.of("limit", "95.5")).orThrow();
        assertEquals(95.5, set.params.get("limit"));
        RuleParser.Result bad = RuleParser.parse(text, "test.yaml", Map.of("limt", "1"));
        assertEquals(List.of(new RuleError(null, 0, 0, "unknown parameter 'limt' given on the command line")),
                bad.errors());
        InvalidRulesException e = assertThrows(InvalidRulesException.class, bad::orThrow);
        assertEquals("invalid rules file test.yaml:\ntest.yaml:0:0: unknown parameter 'limt' given on the command line",
                e.getMessage());
    }

    @Test
    void disabledRulesAreValidatedButNotRun() {
        String text = HEAD + """
                  - name: on
                    severity: info
                    key: [host]
                    message: m
                    steps:
                      - name: a
                        type: exit
                  - name: off
                    enabled: false
                    severity: info
                    key: [host]
                    message: m
                    steps:
                      - name: a
                        type: exit
                """;
        RuleSet set = RuleParser.parse(text, "test.yaml", Map.of()).orThrow();
        assertEquals(List.of("on"), set.rules.stream().map(r -> r.name).toList());
        assertEquals(List.of("off"), set.disabled);
    }
}

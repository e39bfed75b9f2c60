package io.akmon.flink.alert;

import io.akmon.flink.alert.rules.Rule;
import io.akmon.flink.alert.rules.RuleError;
import io.akmon.flink.alert.rules.RuleParser;
import io.akmon.flink.alert.rules.RulePatterns;
import io.akmon.flink.testing.Mutator;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules parser under mutations of the default rules: the whole file, and each rule on its own with
 * the file's parameters (smaller inputs, many more of them). No exception escapes; every input is valid,
 * with rules that compile into patterns, or rejected with located reasons.
 */
class RuleParserFuzzTest {
    static final int INPUTS = 100_000;

    static List<String> seeds() throws Exception {
        String text;
        try (InputStream in = RuleParserFuzzTest.class.getClassLoader().getResourceAsStream(AlertJob.DEFAULT_RULES)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> seeds = new ArrayList<>();
        seeds.add(text);
        int rules = text.indexOf("\nrules:\n");
        String head = text.substring(0, rules + "\nrules:\n".length());
        String[] parts = text.substring(rules + "\nrules:\n".length()).split("(?m)^(?=  - name:)");
        for (String p : parts) {
            if (p.startsWith("  - name:")) {
                seeds.add(head + p);
            }
        }
        return seeds;
    }

    @Test
    void everyMutatedRulesFileIsValidOrRejectedWithReasons() throws Exception {
        List<String> seeds = seeds();
        assertTrue(seeds.size() > 5, "the default file and its rules: " + seeds.size());
        for (String seed : seeds) {
            assertTrue(RuleParser.parse(seed, "seed", Map.of()).valid(), seed);
        }
        Mutator mutator = new Mutator(12L, seeds);
        long cpu0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        int valid = 0;
        int invalid = 0;
        for (int i = 0; i < INPUTS; i++) {
            String input = mutator.next();
            RuleParser.Result r;
            try {
                r = RuleParser.parse(input, "fuzz.yaml", Map.of());
                if (r.valid()) {
                    for (Rule rule : r.rules().rules) {
                        RulePatterns.compile(rule);
                    }
                }
            } catch (Throwable t) {
                throw new AssertionError("input " + i + " threw " + t + ":\n" + input, t);
            }
            if (r.valid()) {
                valid++;
                assertFalse(r.rules().rules.isEmpty(), input);
            } else {
                invalid++;
                for (RuleError e : r.errors()) {
                    assertTrue(e.message() != null && !e.message().isBlank(), "a reason: " + input);
                    assertFalse(e.format("fuzz.yaml").contains("\n"), "one line per problem: " + e.format("fuzz.yaml"));
                }
            }
        }
        assertEquals(INPUTS, valid + invalid);
        assertTrue(valid > 0 && invalid > 0, valid + " valid, " + invalid + " invalid");
        long cpuMs = (java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0) / 1_000_000;
        System.out.println("rules parser fuzz: " + INPUTS + " inputs, " + valid + " valid, " + invalid + " rejected in " + cpuMs + " ms of CPU");
    }

    /** Found by the fuzzing: parameter arithmetic recursed once per parenthesis until the stack overflowed. */
    @Test
    void deeplyNestedArithmeticIsRejectedWithAReasonNotAStackOverflow() {
        String rules = "params:\n  n: 3\nrules:\n  - name: deep\n    severity: warning\n    key: [host]\n    message: m\n"
                + "    steps:\n      - name: f\n        type: fork\n        times: \"" + "(".repeat(20_000) + "${n}"
                + ")".repeat(20_000) + "\"\n";
        RuleParser.Result r = RuleParser.parse(rules, "deep.yaml", Map.of());
        assertFalse(r.valid());
        assertTrue(r.errors().get(0).message().contains("parentheses nested deeper than 64"), r.errors().toString());
    }

    /** Found by the fuzzing at 100,000 inputs: SnakeYAML names an unexpected line break as the character itself. */
    @Test
    void aProblemNamingALineBreakStillFormatsAsOneLine() {
        String line = new RuleError("a\nb", 3, 4, "not valid YAML: unexpected character found \n(10)").format("r.yaml");
        assertEquals("r.yaml:3:4: rule 'a\\nb': not valid YAML: unexpected character found \\n(10)", line);
    }
}

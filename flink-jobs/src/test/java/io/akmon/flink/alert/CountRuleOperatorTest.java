package io.akmon.flink.alert;

import io.akmon.flink.alert.rules.Rule;
import io.akmon.flink.alert.rules.RuleParser;
import io.akmon.flink.alert.rules.RulePatterns;
import io.akmon.flink.alert.rules.RuleSet;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.nfa.compiler.NFACompiler;
import org.apache.flink.cep.operator.CepOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The counting operator against Flink CEP itself: the same random streams (several keys, out of order,
 * equal timestamps, facts exactly a window apart, late facts, facts that fail the condition, watermark
 * jumps) through both, the same alerts with the same timestamps, in the same order for each key; and the operator's
 * state and timers drain to zero.
 */
class CountRuleOperatorTest {
    private static final String RULES = """
            rules:
              - name: storm
                severity: critical
                key: [host, ppid]
                within: 100ms
                message: "{key.host} {fork.count}"
                steps:
                  - name: fork
                    type: fork
                    times: 4
              - name: crashes
                severity: warning
                key: [host, comm]
                within: 50ms
                message: "{key.comm} {crash.count}"
                steps:
                  - name: crash
                    type: exit
                    where:
                      or:
                        - exit_code: {ne: 0}
                        - signal: {ne: 0}
                    times: 2
              - name: single
                severity: info
                key: [host, comm]
                message: "{key.comm}"
                steps:
                  - name: one
                    type: exit
                    where: {signal: {eq: 9}}
              - name: run
                severity: warning
                key: [host, comm]
                within: 80ms
                message: "{key.comm}"
                steps:
                  - name: bad
                    type: exit
                    where: {exit_code: {ne: 0}}
                    times: 3
                    consecutive: true
              - name: unwindowed
                severity: info
                key: [host, ppid]
                message: "{key.host}"
                steps:
                  - name: fork
                    type: fork
                    times: 7
            """;

    private static final RuleSet SET = RuleParser.parse(RULES, "test.yaml", Map.of()).orThrow();

    @Test
    void theDefaultCountingRulesAreCounted() {
        RuleSet defaults = AlertJob.defaultRules(Map.of());
        for (String name : List.of("fork-storm", "crash-loop", "cpu-sustained", "memory-high", "disk-iops-high",
                "network-high", "etc-write")) {
            assertTrue(CountRuleOperator.applies(defaults.rule(name)), name);
        }
        for (String name : List.of("port-scan", "shell-after-accept", "memory-climb-oom")) {
            assertFalse(CountRuleOperator.applies(defaults.rule(name)), name + " needs CEP");
        }
    }

    @Test
    void findsWhatCepFindsOnRandomStreams() throws Exception {
        for (Rule rule : SET.rules) {
            assertTrue(CountRuleOperator.applies(rule), rule.name);
            for (int seed = 0; seed < 40; seed++) {
                List<Object> input = stream(new Random(seed * 31L + rule.name.hashCode()), rule);
                List<String> cep = run(rule, cep(rule), input, false);
                // without a window a part-counted run waits for ever, in CEP too
                List<String> counted = run(rule, new CountRuleOperator(rule), input, rule.within != null);
                assertEquals(byKey(cep), byKey(counted), rule.name + " seed " + seed);
                if (seed == 0) {
                    assertFalse(cep.isEmpty(), rule.name + ": the stream must make some matches");
                }
            }
        }
    }

    private static CepOperator<Fact, String, Alert> cep(Rule rule) {
        return new CepOperator<>(FactSerializer.INSTANCE, false,
                NFACompiler.compileFactory(RulePatterns.compile(rule), false), null,
                RulePatterns.compile(rule).getAfterMatchSkipStrategy() == null ? AfterMatchSkipStrategy.skipPastLastEvent()
                        : RulePatterns.compile(rule).getAfterMatchSkipStrategy(),
                new MatchToAlert(rule), null);
    }

    /** Alerts of one key keep their order; between keys the order of a watermark's timers is free. */
    private static List<String> byKey(List<String> alerts) {
        List<String> sorted = new ArrayList<>(alerts);
        sorted.sort(java.util.Comparator.comparing(a -> a.split(" ")[1].split("/")[1]));
        return sorted;
    }

    /** Facts (as {@link StreamRecord}s) and watermarks (as {@link Long}s), in arrival order. */
    private static List<Object> stream(Random rnd, Rule rule) {
        String type = rule.steps.get(0).type;
        List<Object> out = new ArrayList<>();
        long now = Scenario.T0;
        long watermark = Long.MIN_VALUE;
        for (int i = 0; i < 400; i++) {
            int step = rnd.nextInt(10);
            now += step < 3 ? 0 : step < 8 ? rnd.nextInt(20) : step < 9 ? 50 : 100; // ties and window-long gaps
            long ts = now - rnd.nextInt(30); // out of order
            if (rnd.nextInt(40) == 0 && watermark != Long.MIN_VALUE) {
                ts = watermark - rnd.nextInt(5); // late: at or behind the watermark
            }
            Fact f = new Fact(rnd.nextInt(8) == 0 ? "exec" : type, ts)
                    .with("host", "h" + rnd.nextInt(2)).with("ppid", (long) rnd.nextInt(2)).with("comm", "c" + rnd.nextInt(2))
                    .with("exit_code", (long) (rnd.nextInt(3) == 0 ? 0 : 1)).with("signal", (long) (rnd.nextInt(4) == 0 ? 9 : 0))
                    .with("seq", (long) i);
            if (passesInput(rule, f)) {
                out.add(new StreamRecord<>(f, ts));
            }
            if (rnd.nextInt(6) == 0) {
                long wm = now - 30 - (rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(40));
                if (rnd.nextInt(15) == 0) {
                    wm = now + 200; // a jump past several pending timestamps
                    now = wm + 1;
                }
                if (wm > watermark) {
                    watermark = wm;
                    out.add(wm);
                }
            }
        }
        out.add(Long.MAX_VALUE);
        return out;
    }

    /** What reaches a rule's operator in the job: facts of its types with every key field. */
    private static boolean passesInput(Rule rule, Fact f) {
        try {
            return new AlertTopology.RuleInput(rule).filter(f);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> run(Rule rule, OneInputStreamOperator<Fact, Alert> operator, List<Object> input,
                                    boolean drains) throws Exception {
        AlertTopology.RuleKey key = new AlertTopology.RuleKey(rule);
        List<String> alerts = new ArrayList<>();
        try (KeyedOneInputStreamOperatorTestHarness<String, Fact, Alert> h =
                     new KeyedOneInputStreamOperatorTestHarness<>(operator, key::getKey, Types.STRING)) {
            h.open();
            for (Object o : input) {
                if (o instanceof StreamRecord<?> r) {
                    h.processElement((StreamRecord<Fact>) r);
                } else {
                    h.processWatermark((Long) o);
                }
            }
            for (Object o : h.getOutput()) {
                if (o instanceof StreamRecord<?> r) {
                    Alert a = (Alert) r.getValue();
                    alerts.add(r.getTimestamp() + " " + a.id + " " + a.matched + " " + a.message);
                }
            }
            if (drains) {
                assertEquals(0, h.numKeyedStateEntries(), rule.name + ": keyed state left");
                assertEquals(0, h.numEventTimeTimers(), rule.name + ": timers left");
            }
        }
        return alerts;
    }
}

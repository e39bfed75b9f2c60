package io.akmon.flink.alert;

import io.akmon.flink.alert.rules.Rule;
import io.akmon.flink.alert.rules.RulePatterns;
import io.akmon.flink.alert.rules.RuleSet;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.cep.CEP;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Facts -> one operator per rule (keyed by the rule's key): CEP, or for a counting rule the
 * {@link CountRuleOperator} that finds the same matches -> throttle per rule and key -> alerts.
 * Facts must carry event-time timestamps and watermarks: patterns, windows and throttles run in event
 * time, so a replay over history fires exactly what the live job fired.
 */
public final class AlertTopology {
    public static final TypeInformation<Alert> ALERT = TypeInformation.of(Alert.class);
    public static final String THROTTLE_UID = "alert-throttle";

    private AlertTopology() {
    }

    public static DataStream<Alert> alerts(DataStream<Fact> facts, RuleSet rules) {
        return alerts(facts, rules, true);
    }

    /**
     * @param countingOperator counting rules run on {@link CountRuleOperator}, the rest on CEP; false runs
     *                         every rule on CEP (the reference the counting operator is tested against)
     */
    public static DataStream<Alert> alerts(DataStream<Fact> facts, RuleSet rules, boolean countingOperator) {
        return alerts(rule -> facts, rules, countingOperator);
    }

    /**
     * As {@link #alerts(DataStream, RuleSet)} with events and aggregates apart: each rule reads only the
     * inputs of its fact types, so a rule over events runs at the events' watermark (which the agents'
     * heartbeats move every 100 ms), not held back by the aggregates topic's, which moves once a window.
     *
     * @param aggregateFacts null when there are none
     */
    public static DataStream<Alert> alerts(DataStream<Fact> eventFacts, DataStream<Fact> aggregateFacts, RuleSet rules) {
        return alerts(rule -> {
            boolean events = false;
            boolean aggregates = false;
            for (String type : rule.keyFields.keySet()) {
                if (FactSchema.isAggregate(type)) {
                    aggregates = true;
                } else {
                    events = true;
                }
            }
            if (aggregateFacts == null || !aggregates) {
                return eventFacts;
            }
            return events ? eventFacts.union(aggregateFacts) : aggregateFacts;
        }, rules, true);
    }

    private static DataStream<Alert> alerts(java.util.function.Function<Rule, DataStream<Fact>> inputOf, RuleSet rules,
                                            boolean countingOperator) {
        DataStream<Alert> all = null;
        Map<String, Long> throttles = new HashMap<>();
        for (Rule r : rules.rules) {
            throttles.put(r.name, r.throttle.toMillis());
            String uid = r.uid();
            KeyedStream<Fact, String> input = inputOf.apply(r).filter(new RuleInput(r)).name("input-" + r.name)
                    .uid("input-" + uid).keyBy(new RuleKey(r));
            DataStream<Alert> fired = countingOperator && CountRuleOperator.applies(r)
                    ? input.transform(uid, ALERT, new CountRuleOperator(r)).uid(uid)
                    : CEP.pattern(input, RulePatterns.compile(r)).inEventTime()
                            .process(new MatchToAlert(r), ALERT).name(uid).uid(uid);
            all = all == null ? fired : all.union(fired);
        }
        if (all == null) {
            throw new IllegalArgumentException("no enabled rules in " + rules.source);
        }
        return all.keyBy(Throttle::key).process(new Throttle(throttles), ALERT).name("throttle").uid(THROTTLE_UID);
    }

    /** Facts of the rule's types that have every key field and pass its filter. */
    static final class RuleInput implements FilterFunction<Fact> {
        private static final long serialVersionUID = 1L;
        private final Rule rule;

        RuleInput(Rule rule) {
            this.rule = rule;
        }

        @Override
        public boolean filter(Fact f) throws Exception {
            List<String> key = rule.keyFields.get(f.type);
            if (key == null) {
                return false;
            }
            for (String field : key) {
                if (f.get(field) == null) {
                    return false;
                }
            }
            return rule.filter == null || rule.filter.test(f, step -> List.of());
        }
    }

    /** The key values of a fact in the rule's key order, whatever the fact's type calls them. */
    static final class RuleKey implements KeySelector<Fact, String> {
        private static final long serialVersionUID = 1L;
        private final Rule rule;

        RuleKey(Rule rule) {
            this.rule = rule;
        }

        @Override
        public String getKey(Fact f) {
            StringBuilder b = new StringBuilder();
            for (String field : rule.keyFields.get(f.type)) {
                Object v = f.get(field);
                // Numbers normalised so a pid from an event (long) and an aggregate (long) key alike.
                b.append(v instanceof Double d && d == Math.rint(d) ? Long.toString(d.longValue()) : v).append('\u0001');
            }
            return b.toString();
        }
    }
}

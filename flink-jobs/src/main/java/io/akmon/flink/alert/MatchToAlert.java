package io.akmon.flink.alert;

import io.akmon.flink.alert.rules.Rule;
import io.akmon.flink.alert.rules.Step;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.util.Collector;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns one CEP match of a rule into an alert: key, matched times and values, rendered message. */
public class MatchToAlert extends PatternProcessFunction<Fact, Alert> {
    private static final long serialVersionUID = 1L;
    /** Matched values kept per step; a long loop keeps its most recent ones. */
    static final int MAX_VALUES_PER_STEP = 20;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");

    private final Rule rule;

    public MatchToAlert(Rule rule) {
        this.rule = rule;
    }

    @Override
    public void processMatch(Map<String, List<Fact>> match, Context ctx, Collector<Alert> out) {
        out.collect(toAlert(rule, match));
    }

    public static Alert toAlert(Rule rule, Map<String, List<Fact>> match) {
        Alert a = new Alert();
        a.rule = rule.name;
        a.severity = rule.severity;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        Fact firstFact = null;
        for (Step s : rule.steps) {
            List<Fact> facts = match.get(s.name);
            if (facts == null || facts.isEmpty()) {
                continue;
            }
            for (Fact f : facts) {
                if (f.timestamp < first) {
                    first = f.timestamp;
                    firstFact = f;
                }
                last = Math.max(last, f.timestamp);
            }
            List<String> fields = s.conditionFields();
            List<Map<String, Object>> values = new ArrayList<>();
            for (Fact f : facts.subList(Math.max(0, facts.size() - MAX_VALUES_PER_STEP), facts.size())) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("timestamp", f.timestamp);
                for (String field : fields) {
                    v.put(field, f.get(field));
                }
                values.add(v);
            }
            a.matched.put(s.name, values);
        }
        List<String> keyFields = rule.keyFields.get(firstFact.type);
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < keyFields.size(); i++) {
            Object v = firstFact.get(keyFields.get(i));
            a.keyFields.put(rule.keyNames.get(i), v);
            key.append(i == 0 ? "" : " ").append(rule.keyNames.get(i)).append('=').append(v);
        }
        a.key = key.toString();
        a.firstMatched = first;
        a.lastMatched = last;
        a.timestamp = last;
        a.id = rule.name + '/' + a.key.replace(' ', ',') + '/' + first;
        a.message = render(rule, a, match);
        return a;
    }

    static String render(Rule rule, Alert alert, Map<String, List<Fact>> match) {
        Matcher m = PLACEHOLDER.matcher(rule.message);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(placeholder(m.group(1), alert, match)));
        }
        m.appendTail(b);
        return b.toString();
    }

    private static String placeholder(String p, Alert alert, Map<String, List<Fact>> match) {
        String[] parts = p.split("\\.");
        switch (parts[0]) {
            case "rule":
                return alert.rule;
            case "severity":
                return alert.severity;
            case "key":
                return parts.length == 1 ? alert.key : format(alert.keyFields.get(parts[1]));
            default:
                break;
        }
        List<Fact> facts = match.getOrDefault(parts[0], List.of());
        if (parts.length == 2 && parts[1].equals("count")) {
            return Integer.toString(facts.size());
        }
        if (facts.isEmpty()) {
            return "-";
        }
        if (parts.length == 2) {
            return format(facts.get(facts.size() - 1).get(parts[1]));
        }
        String field = parts[2];
        switch (parts[1]) {
            case "first":
                return format(facts.get(0).get(field));
            case "last":
                return format(facts.get(facts.size() - 1).get(field));
            case "distinct": {
                Set<Object> seen = new HashSet<>();
                facts.forEach(f -> seen.add(f.get(field)));
                return Integer.toString(seen.size());
            }
            default: {
                double acc = parts[1].equals("min") ? Double.MAX_VALUE : parts[1].equals("max") ? -Double.MAX_VALUE : 0;
                for (Fact f : facts) {
                    double v = Facts.number(f.get(field));
                    acc = switch (parts[1]) {
                        case "min" -> Math.min(acc, v);
                        case "max" -> Math.max(acc, v);
                        default -> acc + v;
                    };
                }
                return format(acc);
            }
        }
    }

    /** Whole numbers without decimals, others with one. */
    static String format(Object v) {
        if (v instanceof Double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue())
                    : String.format(java.util.Locale.ROOT, "%.1f", d);
        }
        return String.valueOf(v);
    }
}

package io.akmon.flink.alert.rules;

import io.akmon.flink.alert.FactSchema;
import io.akmon.flink.alert.FactSchema.Kind;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.regex.PatternSyntaxException;

/**
 * The condition language of rules files ({@code where:} and {@code filter:}): field comparisons, and / or /
 * not, references to what earlier steps matched ({@code @step.field}), each checked against the fact
 * schema, with every problem reported at its YAML node.
 */
final class ConditionParser {
    private static final String RESOLUTION = "resolution";

    private final YamlNodes yaml;
    private final BiConsumer<Node, String> errors;
    private final BiFunction<String, Node, Object> expressions;

    ConditionParser(YamlNodes yaml, BiConsumer<Node, String> errors, BiFunction<String, Node, Object> expressions) {
        this.yaml = yaml;
        this.errors = errors;
        this.expressions = expressions;
    }

    private void error(Node node, String message) {
        errors.accept(node, message);
    }

    private Object expression(String text, Node node) {
        return expressions.apply(text, node);
    }

    Condition condition(Node node, String type, Step step, Rule r) {
        if (node instanceof SequenceNode seq) {
            List<Condition> parts = new ArrayList<>();
            for (Node n : seq.getValue()) {
                parts.add(condition(n, type, step, r));
            }
            return new Condition.All(parts);
        }
        if (!(node instanceof MappingNode map)) {
            error(node, "a condition must be a mapping of field: value, or and / or / not");
            return new Condition.All(List.of());
        }
        List<Condition> parts = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (NodeTuple t : map.getValue()) {
            String key = yaml.scalarText(t.getKeyNode());
            Node value = t.getValueNode();
            if (key != null && !seen.add(key)) {
                error(t.getKeyNode(), "duplicate key '" + key + "' in a condition: use 'and' to combine conditions on one field");
                continue;
            }
            switch (key == null ? "" : key) {
                case "and", "or" -> {
                    if (!(value instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
                        error(value, "'" + key + "' takes a non-empty list of conditions");
                        continue;
                    }
                    List<Condition> sub = new ArrayList<>();
                    for (Node n : seq.getValue()) {
                        sub.add(condition(n, type, step, r));
                    }
                    parts.add(key.equals("and") ? new Condition.All(sub) : new Condition.Any(sub));
                }
                case "not" -> parts.add(new Condition.Not(condition(value, type, step, r)));
                default -> {
                    Kind kind = FactSchema.fields(type).get(key);
                    if (kind == null) {
                        error(t.getKeyNode(), "unknown field '" + key + "' for type '" + type + "'");
                        continue;
                    }
                    if (value instanceof MappingNode ops) {
                        for (NodeTuple o : ops.getValue()) {
                            String opName = yaml.scalarText(o.getKeyNode());
                            Condition.Op op = Condition.Op.of(opName);
                            if (op == null) {
                                error(o.getKeyNode(), "unknown comparison '" + opName + "': expected eq, ne, gt, "
                                        + "ge, lt, le, in, not_in, matches, contains, starts_with or ends_with");
                                continue;
                            }
                            Condition c = compare(key, kind, op, o.getValueNode(), type, step, r);
                            if (c != null) {
                                parts.add(c);
                            }
                        }
                    } else {
                        Condition c = compare(key, kind, Condition.Op.EQ, value, type, step, r);
                        if (c != null) {
                            parts.add(c);
                        }
                    }
                }
            }
        }
        return parts.size() == 1 ? parts.get(0) : new Condition.All(parts);
    }

    private Condition compare(String field, Kind kind, Condition.Op op, Node valueNode, String type, Step step,
                              Rule r) {
        if (op.ordering() && kind != Kind.NUMBER) {
            error(valueNode, "type mismatch: '" + op.yaml + "' needs a number field, '" + field + "' is "
                    + kindName(kind));
            return null;
        }
        if (op.text() && kind != Kind.STRING) {
            error(valueNode, "type mismatch: '" + op.yaml + "' needs a string field, '" + field + "' is "
                    + kindName(kind));
            return null;
        }
        // A reference to what a step has already matched: @step.field.
        if (valueNode instanceof ScalarNode s && s.getValue().startsWith("@") && s.getTag().equals(Tag.STR)) {
            String ref = s.getValue().substring(1);
            int dot = ref.indexOf('.');
            if (step == null) {
                error(valueNode, "a filter cannot refer to matched steps");
                return null;
            }
            if (dot < 0) {
                error(valueNode, "a reference must be @<step>.<field>");
                return null;
            }
            String refStep = ref.substring(0, dot);
            String refField = ref.substring(dot + 1);
            Step target = refStep.equals(step.name) ? step : r.step(refStep);
            if (target == null) {
                error(valueNode, "reference to step '" + refStep + "', which is neither this step nor an earlier one");
                return null;
            }
            Kind refKind = FactSchema.fields(target.type).get(refField);
            if (refKind == null) {
                error(valueNode, "unknown field '" + refField + "' for type '" + target.type + "'");
                return null;
            }
            if (refKind != kind) {
                error(valueNode, "type mismatch: '" + field + "' is " + kindName(kind) + ", @" + ref + " is "
                        + kindName(refKind));
                return null;
            }
            if (op.text()) {
                error(valueNode, "'" + op.yaml + "' takes a literal, not a reference");
                return null;
            }
            return new Condition.Compare(field, op, null, null, refStep, refField);
        }
        if (op == Condition.Op.IN || op == Condition.Op.NOT_IN) {
            if (!(valueNode instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
                error(valueNode, "'" + op.yaml + "' takes a non-empty list of values or a reference @<step>.<field>");
                return null;
            }
            List<Object> values = new ArrayList<>();
            for (Node n : seq.getValue()) {
                Object v = typedValue(n, field, kind);
                if (v != null) {
                    values.add(v);
                }
            }
            return new Condition.Compare(field, op, null, values, null, null);
        }
        Object v = typedValue(valueNode, field, kind);
        if (v == null) {
            return null;
        }
        if (op == Condition.Op.MATCHES) {
            try {
                java.util.regex.Pattern.compile((String) v);
            } catch (PatternSyntaxException e) {
                error(valueNode, "bad regular expression: " + e.getDescription());
                return null;
            }
        }
        return new Condition.Compare(field, op, v, null, null, null);
    }

    /** A literal or parameter expression, checked against the field's kind; null after an error. */
    private Object typedValue(Node node, String field, Kind kind) {
        if (!(node instanceof ScalarNode s)) {
            error(node, "expected a value for '" + field + "'");
            return null;
        }
        Object v = YamlNodes.literal(s);
        if (v instanceof String str && str.contains("${")) {
            v = expression(str, node);
            if (v == null) {
                return null;
            }
        }
        Kind actual = v instanceof Number ? Kind.NUMBER : v instanceof Boolean ? Kind.BOOLEAN : Kind.STRING;
        if (actual != kind) {
            error(node, "type mismatch: '" + field + "' is " + kindName(kind) + ", the value '" + s.getValue()
                    + "' is " + kindName(actual));
            return null;
        }
        if (RESOLUTION.equals(field) && v instanceof String str) {
            // Aggregates are labelled with the normal form of their window: 10000ms and 10s both mean "10s".
            try {
                return io.akmon.schema.Durations.normalize(str);
            } catch (IllegalArgumentException e) {
                error(node, "bad value for '" + field + "': " + e.getMessage());
                return null;
            }
        }
        return v;
    }

    static String kindName(Kind k) {
        return switch (k) {
            case NUMBER -> "a number";
            case STRING -> "a string";
            default -> "a boolean";
        };
    }
}

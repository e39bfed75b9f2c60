package io.akmon.flink.alert.rules;

import io.akmon.flink.alert.FactSchema;
import io.akmon.flink.alert.FactSchema.Kind;
import org.yaml.snakeyaml.nodes.Node;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;

/** Checks a rule's message template: parameters substituted, placeholders naming the key, steps and fields. */
final class MessageTemplates {
    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\{([^{}]*)}");

    private final Map<String, Object> params;
    private final BiConsumer<Node, String> errors;

    MessageTemplates(Map<String, Object> params, BiConsumer<Node, String> errors) {
        this.params = params;
        this.errors = errors;
    }

    private void error(Node node, String message) {
        errors.accept(node, message);
    }

    /** Every placeholder of the rule's message names something the alert has. */
    void check(Rule r, Node node) {
        Matcher m = PLACEHOLDER.matcher(r.message);
        while (m.find()) {
            String p = m.group(1);
            String[] parts = p.split("\\.", -1);
            String problem = null;
            if (parts.length == 1) {
                if (!List.of("rule", "severity", "key").contains(p)) {
                    problem = "expected {rule}, {severity}, {key}, {key.<field>} or {<step>.<field>}";
                }
            } else if (parts[0].equals("key")) {
                if (parts.length != 2 || !r.keyNames.contains(parts[1])) {
                    problem = "the key has no part '" + parts[parts.length - 1] + "' (it has " + r.keyNames + ")";
                }
            } else {
                Step s = r.step(parts[0]);
                if (s == null) {
                    problem = "no step named '" + parts[0] + "'";
                } else if (parts.length == 2 && parts[1].equals("count")) {
                    problem = null;
                } else if (parts.length == 2) {
                    problem = fieldProblem(s.type, parts[1]);
                } else if (parts.length == 3 && List.of("first", "last", "min", "max", "sum", "distinct")
                        .contains(parts[1])) {
                    problem = fieldProblem(s.type, parts[2]);
                    if (problem == null && !parts[1].equals("first") && !parts[1].equals("last")
                            && !parts[1].equals("distinct")
                            && FactSchema.fields(s.type).get(parts[2]) != Kind.NUMBER) {
                        problem = "type mismatch: " + parts[1] + " needs a number field, '" + parts[2] + "' is "
                                + ConditionParser.kindName(FactSchema.fields(s.type).get(parts[2]));
                    }
                } else {
                    problem = "expected {<step>.<field>}, {<step>.count} or "
                            + "{<step>.first|last|min|max|sum|distinct.<field>}";
                }
            }
            if (problem != null) {
                error(node, "bad placeholder {" + p + "} in message: " + problem);
            }
        }
    }


    /** The message with {@code {param.<name>}} replaced by the parameter's value. */
    String substituteParams(String text, Node node) {
        Matcher m = java.util.regex.Pattern.compile("\\{param\\.([A-Za-z0-9_]+)}").matcher(text);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            Object v = params.get(m.group(1));
            if (v == null) {
                error(node, "unknown parameter '" + m.group(1) + "' in message");
                v = "";
            }
            m.appendReplacement(b, Matcher.quoteReplacement(v.toString()));
        }
        m.appendTail(b);
        return b.toString();
    }

    private static String fieldProblem(String type, String field) {
        return FactSchema.fields(type).containsKey(field) ? null
                : "unknown field '" + field + "' for type '" + type + "'";
    }
}

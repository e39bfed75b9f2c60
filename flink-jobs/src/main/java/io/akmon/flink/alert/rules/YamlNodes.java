package io.akmon.flink.alert.rules;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * Reading the rules file's YAML nodes as the values the parser needs (mappings with known keys,
 * required strings, booleans, bounded whole numbers, durations, lists of names), each problem reported at
 * its node through the parser's error callback.
 */
final class YamlNodes {
    private final BiConsumer<Node, String> error;
    /** Resolves a value containing ${...} at a node; null after reporting a problem. */
    private final BiFunction<String, Node, Object> expression;

    YamlNodes(BiConsumer<Node, String> error, BiFunction<String, Node, Object> expression) {
        this.error = error;
        this.expression = expression;
    }

    private void error(Node node, String message) {
        error.accept(node, message);
    }

    static Object literal(ScalarNode s) {
        Tag tag = s.getTag();
        String v = s.getValue();
        try {
            if (tag.equals(Tag.INT)) {
                return Long.decode(v.replace("_", ""));
            }
            if (tag.equals(Tag.FLOAT)) {
                return Double.parseDouble(v.replace("_", ""));
            }
        } catch (NumberFormatException e) {
            return v;
        }
        if (tag.equals(Tag.BOOL)) {
            return Boolean.parseBoolean(v.toLowerCase());
        }
        if (tag.equals(Tag.NULL)) {
            return null;
        }
        return v;
    }

    Map<String, Node> mapping(Node node, List<String> allowed, String what) {
        if (!(node instanceof MappingNode m)) {
            error(node, what + " must be a mapping");
            return null;
        }
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            String key = scalarText(t.getKeyNode());
            if (key != null && out.containsKey(key)) {
                error(t.getKeyNode(), "duplicate key '" + key + "' in " + what);
                continue;
            }
            if (key == null || !allowed.contains(key)) {
                error(t.getKeyNode(), "unknown key '" + key + "' in " + what + ": expected one of "
                        + String.join(", ", allowed));
                continue;
            }
            out.put(key, t.getValueNode());
        }
        return out;
    }

    String required(Map<String, Node> m, Node parent, String key) {
        Node n = m.get(key);
        if (n == null) {
            error(parent, "missing '" + key + "'");
            return null;
        }
        String s = scalarText(n);
        if (s == null || s.isBlank()) {
            error(n, "'" + key + "' must be a non-empty string");
            return null;
        }
        return s;
    }

    String scalarText(Node n) {
        if (n instanceof ScalarNode s) {
            return s.getValue();
        }
        return null;
    }

    boolean bool(Node n, String key) {
        if (n instanceof ScalarNode s && s.getTag().equals(Tag.BOOL)) {
            return Boolean.parseBoolean(s.getValue().toLowerCase());
        }
        error(n, "type mismatch: '" + key + "' must be true or false");
        return false;
    }

    int positiveInt(Node n, String key) {
        Object v = n instanceof ScalarNode s ? literal(s) : null;
        if (v instanceof String str && str.contains("${")) {
            v = expression.apply(str, n);
            if (v == null) {
                return 1;
            }
        }
        if (v instanceof Long l && l >= 1 && l <= 10_000) {
            return l.intValue();
        }
        error(n, "'" + key + "' must be a whole number from 1 to 10000");
        return 1;
    }

    Duration duration(Node n, String key) {
        Object v = n instanceof ScalarNode s ? literal(s) : null;
        if (v instanceof String str && str.contains("${")) {
            v = expression.apply(str, n);
            if (v == null) {
                return null;
            }
        }
        Duration d = null;
        if (v != null) {
            try {
                d = io.akmon.schema.Durations.parse(v.toString());
            } catch (IllegalArgumentException e) {
                d = null;
            }
        }
        if (d == null || d.isZero()) {
            error(n, "bad duration '" + (n instanceof ScalarNode s ? s.getValue() : "") + "' for '" + key
                    + "': expected a positive whole number followed by ms, s, m, h or d, e.g. 30s");
            return null;
        }
        return d;
    }

    List<String> stringList(SequenceNode seq, String key) {
        List<String> out = new ArrayList<>();
        for (Node n : seq.getValue()) {
            String s = scalarText(n);
            if (s == null) {
                error(n, "'" + key + "' must list field names");
            } else {
                out.add(s);
            }
        }
        return out;
    }
}

package io.akmon.flink.alert.rules;

import io.akmon.flink.alert.FactSchema;
import io.akmon.flink.alert.FactSchema.Kind;
import org.apache.flink.cep.nfa.compiler.NFACompiler;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a rules file into a {@link RuleSet}, reporting every problem with the rule's name, the line and
 * column of the offending YAML node, and what is wrong. Nothing runs: validation ends by compiling each
 * rule's CEP pattern, so what passes here also starts in the job.
 */
public final class RuleParser {
    static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");
    static final Set<String> AFTER_MATCH = Set.of("skip_past_last_event", "no_skip", "skip_to_next");
    static final Duration DEFAULT_THROTTLE = Duration.ofMinutes(5);
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9_-]*");
    private static final List<String> TOP_KEYS = List.of("params", "rules");
    private static final List<String> RULE_KEYS = List.of("name", "description", "enabled", "severity", "key",
            "within", "throttle", "after_match", "filter", "message", "steps");
    private static final List<String> STEP_KEYS = List.of("name", "type", "where", "contiguity", "times",
            "one_or_more", "times_or_more", "optional", "consecutive", "allow_combinations", "greedy");

    /** The outcome: a rule set when {@link #errors} is empty. */
    public record Result(RuleSet rules, List<RuleError> errors) {
        public boolean valid() {
            return errors.isEmpty();
        }

        public RuleSet orThrow() {
            if (!errors.isEmpty()) {
                throw new InvalidRulesException(rules.source, errors);
            }
            return rules;
        }
    }

    private final List<RuleError> errors = new ArrayList<>();
    private final Map<String, Object> params = new LinkedHashMap<>();
    private String rule;
    private final YamlNodes yaml = new YamlNodes(this::error, this::expression);
    private final MessageTemplates templates = new MessageTemplates(params, this::error);
    private final ConditionParser conditions = new ConditionParser(yaml, this::error, this::expression);

    private RuleParser() {
    }

    public static Result parse(Path file, Map<String, String> paramOverrides) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            RuleSet empty = new RuleSet();
            empty.source = file.toString();
            return new Result(empty, List.of(new RuleError(null, 0, 0, "cannot read the file: " + e)));
        }
        return parse(text, file.toString(), paramOverrides);
    }

    public static Result parse(String text, String source, Map<String, String> paramOverrides) {
        RuleParser p = new RuleParser();
        RuleSet set = p.read(text, source, paramOverrides == null ? Map.of() : paramOverrides);
        set.source = source;
        List<RuleError> errors = new ArrayList<>(p.errors);
        errors.sort(java.util.Comparator.comparingInt(RuleError::line).thenComparingInt(RuleError::column));
        return new Result(set, List.copyOf(errors));
    }

    private RuleSet read(String text, String source, Map<String, String> overrides) {
        RuleSet set = new RuleSet();
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            errors.add(new RuleError(null, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1,
                    "not valid YAML: " + e.getProblem()));
            return set;
        } catch (RuntimeException e) {
            errors.add(new RuleError(null, 1, 1, "not valid YAML: " + e.getMessage()));
            return set;
        }
        if (root == null) {
            errors.add(new RuleError(null, 1, 1, "the file is empty: expected 'rules:'"));
            return set;
        }
        Map<String, Node> top = yaml.mapping(root, TOP_KEYS, "the rules file");
        if (top == null) {
            return set;
        }
        readParams(top.get("params"), overrides);
        set.params.putAll(params);
        Node rules = top.get("rules");
        if (rules == null) {
            error(root, "missing 'rules:' (a list of rules)");
            return set;
        }
        if (!(rules instanceof SequenceNode seq)) {
            error(rules, "'rules' must be a list of rules");
            return set;
        }
        if (seq.getValue().isEmpty()) {
            error(rules, "'rules' is empty");
        }
        Set<String> names = new HashSet<>();
        for (Node n : seq.getValue()) {
            rule = null;
            Rule r = readRule(n, names);
            if (r == null) {
                continue;
            }
            if (r.message == null) {
                set.disabled.add(r.name);
            } else {
                set.rules.add(r);
            }
        }
        rule = null;
        return set;
    }

    private void readParams(Node node, Map<String, String> overrides) {
        if (node != null) {
            if (!(node instanceof MappingNode m)) {
                error(node, "'params' must be a mapping of name: value");
            } else {
                for (NodeTuple t : m.getValue()) {
                    String name = yaml.scalarText(t.getKeyNode());
                    Object v = t.getValueNode() instanceof ScalarNode s ? YamlNodes.literal(s) : null;
                    if (v == null) {
                        error(t.getValueNode(), "parameter '" + name + "' must be a number, string or boolean");
                    } else {
                        params.put(name, v);
                    }
                }
            }
        }
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            if (!params.containsKey(o.getKey())) {
                errors.add(new RuleError(null, 0, 0, "unknown parameter '" + o.getKey() + "' given on the command line"));
                continue;
            }
            Object old = params.get(o.getKey());
            params.put(o.getKey(), old instanceof Number ? parseNumber(o.getValue(), o.getKey())
                    : old instanceof Boolean ? Boolean.valueOf(o.getValue()) : o.getValue());
        }
    }

    private Object parseNumber(String s, String param) {
        try {
            return s.matches("-?\\d+") ? (Object) Long.parseLong(s) : (Object) Double.parseDouble(s);
        } catch (NumberFormatException e) {
            errors.add(new RuleError(null, 0, 0, "parameter '" + param + "' must be a number, got '" + s + "'"));
            return 0L;
        }
    }

    /** Returns the rule; one whose {@code enabled} is false comes back without a message. */
    private Rule readRule(Node node, Set<String> names) {
        rule = peekName(node);
        Map<String, Node> m = yaml.mapping(node, RULE_KEYS, "a rule");
        if (m == null) {
            return null;
        }
        Rule r = new Rule();
        r.line = node.getStartMark().getLine() + 1;
        Node nameNode = m.get("name");
        if (nameNode == null) {
            error(node, "missing 'name'");
            return null;
        }
        r.name = yaml.scalarText(nameNode);
        rule = r.name;
        if (r.name == null || !NAME.matcher(r.name).matches()) {
            error(nameNode, "bad rule name: use lower-case letters, digits, '-' and '_'");
        } else if (!names.add(r.name)) {
            error(nameNode, "duplicate rule name");
        }
        r.description = m.containsKey("description") ? yaml.scalarText(m.get("description")) : null;
        boolean enabled = !m.containsKey("enabled") || yaml.bool(m.get("enabled"), "enabled");
        r.severity = yaml.required(m, node, "severity");
        if (r.severity != null && !SEVERITIES.contains(r.severity)) {
            error(m.get("severity"), "unknown severity '" + r.severity + "': expected critical, warning or info");
        }
        r.within = m.containsKey("within") ? yaml.duration(m.get("within"), "within") : null;
        r.throttle = m.containsKey("throttle") ? yaml.duration(m.get("throttle"), "throttle") : DEFAULT_THROTTLE;
        if (m.containsKey("after_match")) {
            r.afterMatch = yaml.scalarText(m.get("after_match"));
            if (!AFTER_MATCH.contains(r.afterMatch)) {
                error(m.get("after_match"), "unknown after_match '" + r.afterMatch
                        + "': expected skip_past_last_event, no_skip or skip_to_next");
            }
        }
        Node stepsNode = m.get("steps");
        if (stepsNode == null) {
            error(node, "missing 'steps' (the pattern)");
            return null;
        }
        if (!(stepsNode instanceof SequenceNode steps) || steps.getValue().isEmpty()) {
            error(stepsNode, "'steps' must be a non-empty list of steps");
            return null;
        }
        Set<String> stepNames = new HashSet<>();
        for (int i = 0; i < steps.getValue().size(); i++) {
            Step s = readStep(steps.getValue().get(i), i, r, stepNames);
            if (s != null) {
                r.steps.add(s);
            }
        }
        if (r.steps.size() != steps.getValue().size()) {
            return null;
        }
        checkShape(r, steps);
        readKey(r, m.get("key"), node);
        if (m.containsKey("filter")) {
            for (String type : r.types()) {
                r.filter = conditions.condition(m.get("filter"), type, null, r);
            }
        }
        Node messageNode = m.get("message");
        r.message = yaml.required(m, node, "message");
        if (r.message != null) {
            r.message = templates.substituteParams(r.message, messageNode);
            templates.check(r, messageNode);
        }
        if (errorsFor(r.name) == 0) {
            compile(r, node);
        }
        if (!enabled) {
            r.message = null;
        }
        return r;
    }

    /** The rule's name before the rest is read, so every error about the rule can carry it. */
    private String peekName(Node node) {
        if (node instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                if ("name".equals(yaml.scalarText(t.getKeyNode()))) {
                    return yaml.scalarText(t.getValueNode());
                }
            }
        }
        return null;
    }

    private long errorsFor(String ruleName) {
        return errors.stream().filter(e -> ruleName.equals(e.rule())).count();
    }

    private void compile(Rule r, Node node) {
        try {
            NFACompiler.compileFactory(RulePatterns.compile(r), false);
        } catch (RuntimeException e) {
            error(node, "the pattern does not compile: " + e.getMessage());
        }
    }

    private Step readStep(Node node, int index, Rule r, Set<String> stepNames) {
        Map<String, Node> m = yaml.mapping(node, STEP_KEYS, "a step");
        if (m == null) {
            return null;
        }
        Step s = new Step();
        s.name = yaml.required(m, node, "name");
        s.type = yaml.required(m, node, "type");
        if (s.name == null || s.type == null) {
            return null;
        }
        if (!NAME.matcher(s.name).matches() || s.name.contains("-")) {
            error(m.get("name"), "bad step name '" + s.name + "': use lower-case letters, digits and '_'");
        } else if (!stepNames.add(s.name)) {
            error(m.get("name"), "duplicate step name '" + s.name + "'");
        }
        if (FactSchema.fields(s.type) == null) {
            error(m.get("type"), "unknown type '" + s.type + "': expected one of "
                    + String.join(", ", FactSchema.types()));
            return null;
        }
        if (m.containsKey("contiguity")) {
            String c = yaml.scalarText(m.get("contiguity"));
            s.contiguity = Step.Contiguity.of(c);
            if (index == 0) {
                error(m.get("contiguity"), "the first step has no contiguity: it starts the pattern");
                s.contiguity = null;
            } else if (s.contiguity == null) {
                error(m.get("contiguity"), "unknown contiguity '" + c
                        + "': expected next, followed_by, followed_by_any, not_next or not_followed_by");
            }
        } else if (index > 0) {
            s.contiguity = Step.Contiguity.FOLLOWED_BY;
        }
        int quantifiers = 0;
        if (m.containsKey("times")) {
            quantifiers++;
            Node t = m.get("times");
            if (t instanceof MappingNode tm) {
                Map<String, Node> range = yaml.mapping(tm, List.of("from", "to"), "'times'");
                if (range != null && range.containsKey("from") && range.containsKey("to")) {
                    s.minTimes = yaml.positiveInt(range.get("from"), "times.from");
                    s.maxTimes = yaml.positiveInt(range.get("to"), "times.to");
                    if (s.maxTimes < s.minTimes) {
                        error(t, "times.to must not be below times.from");
                    }
                } else if (range != null) {
                    error(t, "'times' as a range needs both 'from' and 'to'");
                }
            } else {
                s.minTimes = yaml.positiveInt(t, "times");
                s.maxTimes = s.minTimes;
            }
        }
        if (m.containsKey("one_or_more") && yaml.bool(m.get("one_or_more"), "one_or_more")) {
            quantifiers++;
            s.minTimes = 1;
            s.maxTimes = -1;
        }
        if (m.containsKey("times_or_more")) {
            quantifiers++;
            s.minTimes = yaml.positiveInt(m.get("times_or_more"), "times_or_more");
            s.maxTimes = -1;
        }
        if (quantifiers > 1) {
            error(node, "use only one of times, one_or_more and times_or_more");
        }
        s.optional = m.containsKey("optional") && yaml.bool(m.get("optional"), "optional");
        s.consecutive = m.containsKey("consecutive") && yaml.bool(m.get("consecutive"), "consecutive");
        s.allowCombinations = m.containsKey("allow_combinations")
                && yaml.bool(m.get("allow_combinations"), "allow_combinations");
        s.greedy = m.containsKey("greedy") && yaml.bool(m.get("greedy"), "greedy");
        if ((s.consecutive || s.allowCombinations || s.greedy) && !s.looping()) {
            error(node, "consecutive, allow_combinations and greedy need a looping quantifier "
                    + "(times above 1, a times range, one_or_more or times_or_more)");
        }
        if (s.consecutive && s.allowCombinations) {
            error(node, "consecutive and allow_combinations exclude each other");
        }
        if (s.contiguity != null && s.contiguity.negated() && (quantifiers > 0 || s.optional)) {
            error(node, s.contiguity.yaml + " steps take no quantifier and cannot be optional");
        }
        if (m.containsKey("where")) {
            s.where = conditions.condition(m.get("where"), s.type, s, r);
        }
        return s;
    }

    private void checkShape(Rule r, SequenceNode steps) {
        Step last = r.steps.get(r.steps.size() - 1);
        Node lastNode = steps.getValue().get(steps.getValue().size() - 1);
        if (last.contiguity == Step.Contiguity.NOT_FOLLOWED_BY && r.within == null) {
            error(lastNode, "a pattern ending in not_followed_by needs 'within' on the rule");
        }
        if (last.contiguity == Step.Contiguity.NOT_NEXT) {
            error(lastNode, "a pattern cannot end in not_next");
        }
        if (r.steps.stream().allMatch(s -> s.optional)) {
            error(steps, "at least one step must not be optional");
        }
    }

    private void readKey(Rule r, Node node, Node ruleNode) {
        if (node == null) {
            error(ruleNode, "missing 'key' (the fields alerts are grouped by, e.g. [host, pid])");
            return;
        }
        if (node instanceof SequenceNode seq) {
            List<String> fields = yaml.stringList(seq, "key");
            for (String type : r.types()) {
                checkKeyFields(type, fields, seq);
                r.keyFields.put(type, fields);
            }
        } else if (node instanceof MappingNode map) {
            for (NodeTuple t : map.getValue()) {
                String type = yaml.scalarText(t.getKeyNode());
                if (!r.types().contains(type)) {
                    error(t.getKeyNode(), "key for type '" + type + "', which no step matches");
                    continue;
                }
                if (!(t.getValueNode() instanceof SequenceNode seq)) {
                    error(t.getValueNode(), "the key of type '" + type + "' must be a list of fields");
                    continue;
                }
                List<String> fields = yaml.stringList(seq, "key");
                checkKeyFields(type, fields, seq);
                r.keyFields.put(type, fields);
            }
            for (String type : r.types()) {
                if (!r.keyFields.containsKey(type)) {
                    error(node, "no key for type '" + type + "' (steps of that type need one)");
                }
            }
            int size = -1;
            for (List<String> fields : r.keyFields.values()) {
                if (size >= 0 && fields.size() != size) {
                    error(node, "every type's key must have the same number of fields");
                    break;
                }
                size = fields.size();
            }
        } else {
            error(node, "'key' must be a list of fields or a mapping of type to a list of fields");
            return;
        }
        List<String> first = r.keyFields.get(r.steps.get(0).type);
        if (first != null) {
            r.keyNames = new ArrayList<>(first);
        }
    }

    private void checkKeyFields(String type, List<String> fields, SequenceNode seq) {
        if (fields.isEmpty()) {
            error(seq, "'key' must name at least one field");
        }
        Map<String, Kind> schema = FactSchema.fields(type);
        for (int i = 0; i < fields.size(); i++) {
            if (!schema.containsKey(fields.get(i))) {
                error(seq.getValue().get(i), "unknown field '" + fields.get(i) + "' for type '" + type + "' in key");
            }
        }
    }

    /**
     * {@code ${name}} alone stands for the parameter's value, whatever its type; otherwise the text is
     * arithmetic over numbers and numeric parameters: + - * / and parentheses.
     */
    private Object expression(String text, Node node) {
        try {
            return ParamExpressions.evaluate(text, params);
        } catch (IllegalArgumentException e) {
            error(node, e.getMessage());
            return null;
        }
    }


    private void error(Node node, String message) {
        Mark m = node.getStartMark();
        errors.add(new RuleError(rule, m.getLine() + 1, m.getColumn() + 1, message));
    }
}

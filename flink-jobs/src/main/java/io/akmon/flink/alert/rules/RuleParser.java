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
import org.yaml.snakeyaml.nodes.Tag;

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
import java.util.regex.Matcher;
import java.util.regex.PatternSyntaxException;

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
    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\{([^{}]*)}");
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
                r.filter = condition(m.get("filter"), type, null, r);
            }
        }
        Node messageNode = m.get("message");
        r.message = yaml.required(m, node, "message");
        if (r.message != null) {
            r.message = substituteParams(r.message, messageNode);
            checkTemplate(r, messageNode);
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
            s.where = condition(m.get("where"), s.type, s, r);
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

    private void checkTemplate(Rule r, Node node) {
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
                                + kindName(FactSchema.fields(s.type).get(parts[2]));
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

    private static String fieldProblem(String type, String field) {
        return FactSchema.fields(type).containsKey(field) ? null
                : "unknown field '" + field + "' for type '" + type + "'";
    }

    // ---- conditions -------------------------------------------------------------------------------

    private Condition condition(Node node, String type, Step step, Rule r) {
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

    private static final String RESOLUTION = "resolution";


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

    private String substituteParams(String text, Node node) {
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


    private static String kindName(Kind k) {
        return switch (k) {
            case NUMBER -> "a number";
            case STRING -> "a string";
            default -> "a boolean";
        };
    }

    private void error(Node node, String message) {
        Mark m = node.getStartMark();
        errors.add(new RuleError(rule, m.getLine() + 1, m.getColumn() + 1, message));
    }
}

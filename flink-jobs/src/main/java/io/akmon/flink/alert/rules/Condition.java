package io.akmon.flink.alert.rules;

import io.akmon.flink.alert.Fact;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** A compiled `where` clause: a tree of comparisons joined by and / or / not. */
public abstract class Condition implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The events a pattern step has accepted so far in the partial match being extended. */
    @FunctionalInterface
    public interface Matched {
        Iterable<Fact> events(String step) throws Exception;
    }

    public abstract boolean test(Fact fact, Matched matched) throws Exception;

    /** Fields this condition reads from the fact it tests. */
    public abstract void fields(List<String> out);

    /** Whether the condition reads the events earlier steps matched, so it needs the partial match. */
    public abstract boolean referencesSteps();

    public enum Op {
        EQ("eq"), NE("ne"), GT("gt"), GE("ge"), LT("lt"), LE("le"), IN("in"), NOT_IN("not_in"),
        MATCHES("matches"), CONTAINS("contains"), STARTS_WITH("starts_with"), ENDS_WITH("ends_with");

        public final String yaml;

        Op(String yaml) {
            this.yaml = yaml;
        }

        public static Op of(String yaml) {
            for (Op o : values()) {
                if (o.yaml.equals(yaml)) {
                    return o;
                }
            }
            return null;
        }

        boolean ordering() {
            return this == GT || this == GE || this == LT || this == LE;
        }

        boolean text() {
            return this == MATCHES || this == CONTAINS || this == STARTS_WITH || this == ENDS_WITH;
        }
    }

    public static final class All extends Condition {
        private static final long serialVersionUID = 1L;
        final List<Condition> parts;

        public All(List<Condition> parts) {
            this.parts = parts;
        }

        @Override
        public boolean test(Fact fact, Matched matched) throws Exception {
            for (Condition c : parts) {
                if (!c.test(fact, matched)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void fields(List<String> out) {
            parts.forEach(p -> p.fields(out));
        }

        @Override
        public boolean referencesSteps() {
            return parts.stream().anyMatch(Condition::referencesSteps);
        }
    }

    public static final class Any extends Condition {
        private static final long serialVersionUID = 1L;
        final List<Condition> parts;

        public Any(List<Condition> parts) {
            this.parts = parts;
        }

        @Override
        public boolean test(Fact fact, Matched matched) throws Exception {
            for (Condition c : parts) {
                if (c.test(fact, matched)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void fields(List<String> out) {
            parts.forEach(p -> p.fields(out));
        }

        @Override
        public boolean referencesSteps() {
            return parts.stream().anyMatch(Condition::referencesSteps);
        }
    }

    public static final class Not extends Condition {
        private static final long serialVersionUID = 1L;
        final Condition inner;

        public Not(Condition inner) {
            this.inner = inner;
        }

        @Override
        public boolean test(Fact fact, Matched matched) throws Exception {
            return !inner.test(fact, matched);
        }

        @Override
        public void fields(List<String> out) {
            inner.fields(out);
        }

        @Override
        public boolean referencesSteps() {
            return inner.referencesSteps();
        }
    }

    /**
     * {@code field op value}. The value is a literal, a list of literals (in / not_in) or a reference to
     * a field of the events a step has already matched ({@code @step.field}): ordering and equality
     * compare with the latest of them (and hold while there is none), in / not_in with all of them.
     * A fact without the field never satisfies a comparison.
     */
    public static final class Compare extends Condition {
        private static final long serialVersionUID = 1L;
        final String field;
        final Op op;
        final Object value;
        final List<Object> values;
        final String refStep;
        final String refField;
        final Pattern regex;

        public Compare(String field, Op op, Object value, List<Object> values, String refStep, String refField) {
            this.field = field;
            this.op = op;
            this.value = value;
            this.values = values;
            this.refStep = refStep;
            this.refField = refField;
            this.regex = op == Op.MATCHES ? Pattern.compile((String) value) : null;
        }

        @Override
        public void fields(List<String> out) {
            if (!out.contains(field)) {
                out.add(field);
            }
        }

        @Override
        public boolean referencesSteps() {
            return refStep != null;
        }

        @Override
        public boolean test(Fact fact, Matched matched) throws Exception {
            Object actual = fact.get(field);
            if (actual == null) {
                return false;
            }
            if (refStep != null) {
                List<Object> seen = new ArrayList<>();
                for (Fact f : matched.events(refStep)) {
                    Object v = f.get(refField);
                    if (v != null) {
                        seen.add(v);
                    }
                }
                if (op == Op.IN || op == Op.NOT_IN) {
                    return contains(seen, actual) == (op == Op.IN);
                }
                return seen.isEmpty() || compare(actual, op, seen.get(seen.size() - 1));
            }
            if (op == Op.IN || op == Op.NOT_IN) {
                return contains(values, actual) == (op == Op.IN);
            }
            return compare(actual, op, value);
        }

        private boolean compare(Object actual, Op op, Object expected) {
            if (op.text()) {
                String s = actual.toString();
                String e = expected.toString();
                return switch (op) {
                    case MATCHES -> regex.matcher(s).matches();
                    case CONTAINS -> s.contains(e);
                    case STARTS_WITH -> s.startsWith(e);
                    default -> s.endsWith(e);
                };
            }
            if (op.ordering()) {
                if (!(actual instanceof Number a) || !(expected instanceof Number b)) {
                    return false;
                }
                int c = compareNumbers(a, b);
                return switch (op) {
                    case GT -> c > 0;
                    case GE -> c >= 0;
                    case LT -> c < 0;
                    default -> c <= 0;
                };
            }
            boolean equal = same(actual, expected);
            return op == Op.EQ ? equal : !equal;
        }

        private static boolean contains(List<Object> list, Object actual) {
            for (Object o : list) {
                if (same(actual, o)) {
                    return true;
                }
            }
            return false;
        }

        private static boolean same(Object a, Object b) {
            if (a instanceof Number x && b instanceof Number y) {
                return compareNumbers(x, y) == 0;
            }
            return Objects.equals(a, b);
        }

        static int compareNumbers(Number a, Number b) {
            if ((a instanceof Long || a instanceof Integer) && (b instanceof Long || b instanceof Integer)) {
                return Long.compare(a.longValue(), b.longValue());
            }
            return Double.compare(a.doubleValue(), b.doubleValue());
        }
    }
}

package io.akmon.flink.alert.rules;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules file's expression language for parameter values: {@code ${name}} alone stands for the
 * parameter's value, whatever its type; anything else is arithmetic over numbers and numeric parameters
 * with + - * / and parentheses. Problems throw {@link IllegalArgumentException} with the message the
 * parser reports at the value.
 */
final class ParamExpressions {
    private static final Pattern WHOLE = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

    private ParamExpressions() {
    }

    static Object evaluate(String text, Map<String, Object> params) {
        Matcher whole = WHOLE.matcher(text.trim());
        if (whole.matches()) {
            String name = whole.group(1);
            if (!params.containsKey(name)) {
                throw new IllegalArgumentException("unknown parameter '" + name + "'");
            }
            return params.get(name);
        }
        double d = new Arithmetic(text, params).parse();
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d;
    }

    /** Recursive descent over + - * / ( ) numbers and ${param}. */
    private static final class Arithmetic {
        private final String s;
        private final Map<String, Object> params;
        private static final int MAX_DEPTH = 64;
        private int i;
        private int depth;

        Arithmetic(String s, Map<String, Object> params) {
            this.s = s;
            this.params = params;
        }

        double parse() {
            double v = sum();
            skip();
            if (i != s.length()) {
                throw new IllegalArgumentException("bad expression '" + s + "' at '" + s.substring(i) + "'");
            }
            return v;
        }

        private double sum() {
            double v = product();
            while (true) {
                skip();
                if (at('+')) {
                    v += product();
                } else if (at('-')) {
                    v -= product();
                } else {
                    return v;
                }
            }
        }

        private double product() {
            double v = atom();
            while (true) {
                skip();
                if (at('*')) {
                    v *= atom();
                } else if (at('/')) {
                    v /= atom();
                } else {
                    return v;
                }
            }
        }

        private double atom() {
            skip();
            if (at('(')) {
                if (++depth > MAX_DEPTH) {
                    throw new IllegalArgumentException("bad expression: parentheses nested deeper than " + MAX_DEPTH);
                }
                double v = sum();
                depth--;
                skip();
                if (!at(')')) {
                    throw new IllegalArgumentException("bad expression '" + s + "': missing ')'");
                }
                return v;
            }
            if (s.startsWith("${", i)) {
                int end = s.indexOf('}', i);
                if (end < 0) {
                    throw new IllegalArgumentException("bad expression '" + s + "': unclosed ${");
                }
                String name = s.substring(i + 2, end);
                i = end + 1;
                Object v = params.get(name);
                if (v == null) {
                    throw new IllegalArgumentException("unknown parameter '" + name + "'");
                }
                if (!(v instanceof Number n)) {
                    throw new IllegalArgumentException("type mismatch: parameter '" + name
                            + "' is not a number and cannot be used in arithmetic");
                }
                return n.doubleValue();
            }
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.' || s.charAt(i) == '_')) {
                i++;
            }
            if (start == i) {
                throw new IllegalArgumentException("bad expression '" + s + "' at '" + s.substring(i) + "'");
            }
            return Double.parseDouble(s.substring(start, i).replace("_", ""));
        }

        private boolean at(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void skip() {
            while (i < s.length() && s.charAt(i) == ' ') {
                i++;
            }
        }
    }
}

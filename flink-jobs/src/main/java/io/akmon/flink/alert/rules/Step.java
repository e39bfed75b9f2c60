package io.akmon.flink.alert.rules;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** One step of a rule's pattern: which facts it accepts, how many, and how it follows the previous step. */
public class Step implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Contiguity {
        NEXT("next"), FOLLOWED_BY("followed_by"), FOLLOWED_BY_ANY("followed_by_any"), NOT_NEXT("not_next"),
        NOT_FOLLOWED_BY("not_followed_by");

        public final String yaml;

        Contiguity(String yaml) {
            this.yaml = yaml;
        }

        public static Contiguity of(String yaml) {
            for (Contiguity c : values()) {
                if (c.yaml.equals(yaml)) {
                    return c;
                }
            }
            return null;
        }

        public boolean negated() {
            return this == NOT_NEXT || this == NOT_FOLLOWED_BY;
        }
    }

    public String name;
    public String type;
    /** How this step follows the previous one; null for the first step. */
    public Contiguity contiguity;
    /** Null when the step accepts every fact of its type. */
    public Condition where;
    /** Occurrences: exactly {@code minTimes} when equal to {@code maxTimes}; {@code maxTimes} -1 = unbounded. */
    public int minTimes = 1;
    public int maxTimes = 1;
    public boolean optional;
    public boolean consecutive;
    public boolean allowCombinations;
    public boolean greedy;

    public boolean looping() {
        return maxTimes != 1;
    }

    /** Fields the step's condition reads, for the alert's matched values. */
    public List<String> conditionFields() {
        List<String> out = new ArrayList<>();
        if (where != null) {
            where.fields(out);
        }
        return out;
    }

    /** The step's shape without its condition: what a restored partial match depends on. */
    String shape() {
        return name + ':' + type + ':' + contiguity + ':' + minTimes + '-' + maxTimes + ':' + optional + consecutive
                + allowCombinations + greedy;
    }
}

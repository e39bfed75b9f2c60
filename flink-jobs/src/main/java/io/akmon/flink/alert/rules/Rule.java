package io.akmon.flink.alert.rules;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One alert rule as written in a rules file, validated. */
public class Rule implements Serializable {
    private static final long serialVersionUID = 1L;

    public String name;
    public String description;
    public String severity;
    /** Fact type -> the fields whose values form the key, in the same order for every type. */
    public Map<String, List<String>> keyFields = new LinkedHashMap<>();
    /** Names of the key parts as alerts show them: the first step's key fields. */
    public List<String> keyNames = new ArrayList<>();
    public Duration within;
    public Duration throttle;
    public String afterMatch = "skip_past_last_event";
    /** Facts failing this never reach the rule's pattern; null = no filter. */
    public Condition filter;
    public String message;
    public List<Step> steps = new ArrayList<>();
    /** Where the rule starts in its file (1-based). */
    public int line;

    public Set<String> types() {
        Set<String> t = new LinkedHashSet<>();
        steps.forEach(s -> t.add(s.type));
        return t;
    }

    public Step step(String stepName) {
        for (Step s : steps) {
            if (s.name.equals(stepName)) {
                return s;
            }
        }
        return null;
    }

    /**
     * Operator uid of the rule's pattern: the name plus a digest of the pattern's shape (steps,
     * quantifiers, contiguity, window, key). Thresholds can change and keep the restored partial
     * matches; a reshaped pattern gets fresh state instead of partial matches it cannot continue.
     */
    public String uid() {
        StringBuilder b = new StringBuilder(name).append('|').append(within).append('|').append(keyFields)
                .append('|').append(afterMatch);
        steps.forEach(s -> b.append('|').append(s.shape()));
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return "rule-" + name + "-" + HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.akmon.flink.alert.rules;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A parsed rules file: its parameters (after overrides) and its enabled rules. */
public class RuleSet implements Serializable {
    private static final long serialVersionUID = 1L;

    public String source;
    public Map<String, Object> params = new LinkedHashMap<>();
    public List<Rule> rules = new ArrayList<>();
    /** Rules written with {@code enabled: false}: validated, not run. */
    public List<String> disabled = new ArrayList<>();

    public Rule rule(String name) {
        for (Rule r : rules) {
            if (r.name.equals(name)) {
                return r;
            }
        }
        return null;
    }
}

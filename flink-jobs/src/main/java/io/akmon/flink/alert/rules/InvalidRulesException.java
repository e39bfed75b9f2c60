package io.akmon.flink.alert.rules;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when a rules file does not validate; the job refuses to start with it. */
public class InvalidRulesException extends RuntimeException {
    private final List<RuleError> errors;

    public InvalidRulesException(String source, List<RuleError> errors) {
        super("invalid rules file " + source + ":\n" + errors.stream().map(e -> e.format(source))
                .collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<RuleError> errors() {
        return errors;
    }
}

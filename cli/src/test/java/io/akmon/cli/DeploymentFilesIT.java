package io.akmon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.akmon.flink.config.JobOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deployment files, checked as far as a machine without Docker, systemd as init or Kubernetes
 * allows: the compose file by a compose-spec validator, the unit by systemd itself, the DaemonSet
 * for what the agent needs on a node.
 */
class DeploymentFilesIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    record Result(int exit, String out) {
    }

    private static Result run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        return new Result(p.exitValue(), out);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void composeFileIsValidComposeSpec() throws Exception {
        Result r = run("npx", "--yes", "dclint@3.1.0", "docker-compose.yml");
        assertEquals(0, r.exit(), r.out());
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("docker-compose.yml").toFile());
        List<String> services = new ArrayList<>();
        compose.path("services").fieldNames().forEachRemaining(services::add);
        for (String s : List.of("kafka", "elasticsearch", "jobmanager", "taskmanager", "submit-jobs", "grafana", "agent")) {
            assertTrue(services.contains(s), "service " + s + " in " + services);
        }
        JsonNode agent = compose.path("services").path("agent");
        assertFalse(agent.path("privileged").asBoolean(false), "the agent is not privileged");
        assertEquals("[\"ALL\"]", agent.path("cap_drop").toString());
        assertEquals(List.of("BPF", "PERFMON", "SETUID", "SETGID", "SETPCAP"), texts(agent.path("cap_add")),
                "capabilities by name: the image's setpriv keeps only BPF and PERFMON for the agent");
        assertTrue(agent.path("read_only").asBoolean(), "read-only root file system");
        assertTrue(texts(agent.path("security_opt")).contains("no-new-privileges:true"), agent.toString());
        assertFalse(agent.path("security_opt").toString().contains("unconfined"), "the runtime's seccomp profile stays on");
        assertTrue(texts(agent.path("command")).contains("--seccomp"), "the agent's own allow-list");
        assertEquals("host", agent.path("pid").asText(), "the agent sees host pids");
        assertTrue(compose.path("services").path("grafana").path("volumes").toString().contains("./grafana/provisioning"));
        assertTrue(Files.isDirectory(ROOT.resolve("grafana/provisioning")), "the provisioning the compose file mounts");

        // both jobs submitted with Elasticsearch, over topics that exist before anyone uses them
        String submit = compose.path("services").path("submit-jobs").path("command").toString();
        assertTrue(submit.contains("-c io.akmon.flink.alert.AlertJob") && submit.contains("/opt/akmon/akmon-flink-jobs.jar"), submit);
        assertEquals(2, submit.split("--es http://elasticsearch:9200", -1).length - 1, "both jobs write to Elasticsearch: " + submit);
        String create = compose.path("services").path("kafka-topics").path("command").get(0).asText();
        List<String> created = List.of(create.substring(create.indexOf("for t in ") + 9, create.indexOf("; do")).trim().split(" "));
        for (String topic : (JobOptions.DEFAULT_TOPICS + ",akmon.aggregates,akmon.aggregates.live,akmon.alerts,akmon.deadletter").split(",")) {
            assertTrue(created.contains(topic.substring("akmon.".length())), topic + " created by kafka-topics: " + created);
        }
    }

    @Test
    void systemdAcceptsTheAgentUnit() throws Exception {
        Result r = run("systemd-analyze", "verify", "deploy/systemd/akmon-agent.service");
        assertEquals(0, r.exit(), r.out());
        String unit = Files.readString(ROOT.resolve("deploy/systemd/akmon-agent.service"));
        assertTrue(unit.contains("--config /etc/akmon/agent.yaml") && unit.contains("StateDirectory=akmon"), unit);
    }

    @Test
    void theAgentUnitIsHardened() throws Exception {
        Result r = run("systemd-analyze", "security", "--offline=yes", "deploy/systemd/akmon-agent.service");
        assertEquals(0, r.exit(), r.out());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Overall exposure level for akmon-agent.service: ([0-9.]+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        double exposure = Double.parseDouble(m.group(1));
        assertTrue(exposure <= 4.0, "systemd-analyze security rates the unit " + exposure + " (at most 4.0): " + r.out());
        List<String> lines = Files.readAllLines(ROOT.resolve("deploy/systemd/akmon-agent.service"));
        for (String setting : List.of("User=akmon", "AmbientCapabilities=CAP_BPF CAP_PERFMON", "CapabilityBoundingSet=CAP_BPF CAP_PERFMON",
                "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "UMask=0077", "StateDirectoryMode=0700",
                "ProtectHome=yes", "ProtectKernelModules=yes", "ProtectKernelTunables=yes", "ProtectControlGroups=yes",
                "RestrictNamespaces=yes", "RestrictSUIDSGID=yes", "RestrictRealtime=yes")) {
            assertTrue(lines.contains(setting), setting + " in the unit");
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ExecStart=") && l.endsWith(" --seccomp")), "the agent's own allow-list");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ReadWritePaths=/sys/fs/bpf/akmon")), "the pins are its only other writable path");
    }

    @Test
    void theAgentRunsWithTheSameJvmOptionsEverywhere() throws Exception {
        String script = Files.readString(ROOT.resolve("akmon"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("AGENT_JAVA_OPTS=\"([^\"]+)\"").matcher(script);
        assertTrue(m.find(), "./akmon sets the agent's JVM options");
        String options = m.group(1);
        assertTrue(options.contains("-Xmx"), "a bounded heap: " + options);
        String unit = Files.readString(ROOT.resolve("deploy/systemd/akmon-agent.service"));
        assertTrue(unit.contains("/usr/bin/java " + options + " -jar"), unit);
        String image = Files.readString(ROOT.resolve("deploy/docker/agent.Dockerfile"));
        assertTrue(image.contains("\"--\", \"java\", \"" + String.join("\", \"", options.split(" ")) + "\", \"-jar\""), image);
        assertTrue(image.contains("ENTRYPOINT [\"setpriv\", \"--reuid=65534\"") && image.contains("\"--ambient-caps=-all,+bpf,+perfmon\"")
                && image.contains("\"--bounding-set=-all,+bpf,+perfmon\""), "the image runs the agent as nobody with BPF and PERFMON: " + image);
        assertTrue(Files.readString(ROOT.resolve("README.md")).contains("`" + options + "`"), "README names them");
    }

    @Test
    void daemonSetGivesTheAgentWhatItNeedsOnANode() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode daemonSet = null;
        JsonNode secret = null;
        try (YAMLParser p = new YAMLFactory().createParser(ROOT.resolve("deploy/kubernetes/akmon-agent.yaml").toFile())) {
            for (JsonNode doc : yaml.readValues(p, JsonNode.class).readAll()) {
                if ("DaemonSet".equals(doc.path("kind").asText())) {
                    daemonSet = doc;
                }
                if ("Secret".equals(doc.path("kind").asText())) {
                    secret = doc;
                }
                assertFalse("ConfigMap".equals(doc.path("kind").asText()), "settings, which may hold credentials, are in a Secret");
            }
        }
        assertTrue(secret != null && secret.path("stringData").path("agent.yaml").asText().contains("seccomp: true"), "the agent's settings");
        assertTrue(daemonSet != null, "a DaemonSet");
        JsonNode pod = daemonSet.path("spec").path("template").path("spec");
        assertTrue(pod.path("hostPID").asBoolean(), "host pid namespace");
        JsonNode container = pod.path("containers").get(0);
        JsonNode security = container.path("securityContext");
        assertFalse(security.path("privileged").asBoolean(true), "not privileged");
        assertFalse(security.path("allowPrivilegeEscalation").asBoolean(true), "no privilege escalation");
        assertTrue(security.path("readOnlyRootFilesystem").asBoolean(), "read-only root file system");
        assertEquals(List.of("ALL"), texts(security.path("capabilities").path("drop")));
        assertEquals(List.of("BPF", "PERFMON", "SETUID", "SETGID", "SETPCAP"), texts(security.path("capabilities").path("add")),
                "capabilities by name: the image's setpriv keeps only BPF and PERFMON for the agent");
        assertEquals("RuntimeDefault", security.path("seccompProfile").path("type").asText());
        assertEquals("RuntimeDefault", pod.path("securityContext").path("seccompProfile").path("type").asText());
        JsonNode init = pod.path("initContainers").get(0);
        assertFalse(init.path("securityContext").path("privileged").asBoolean(true), "the directories step is not privileged either");
        assertEquals(List.of("CHOWN"), texts(init.path("securityContext").path("capabilities").path("add")));
        String volumes = pod.path("volumes").toString();
        assertTrue(volumes.contains("\"secret\":{\"secretName\":\"akmon-agent\"") && !volumes.contains("configMap"), volumes);
        String mounts = container.path("volumeMounts").toString();
        assertFalse(mounts.contains("Bidirectional"), "bidirectional propagation needs a privileged container");
        for (String path : List.of("/sys/kernel/btf", "/sys/fs/bpf", "/var/lib/akmon", "/etc/akmon", "/tmp")) {
            assertTrue(mounts.contains(path), "mount " + path + " in " + mounts);
        }
        assertTrue(daemonSet.path("spec").path("selector").path("matchLabels")
                .equals(daemonSet.path("spec").path("template").path("metadata").path("labels")), "selector matches the pods");
    }
}

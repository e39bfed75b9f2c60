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
        assertTrue(agent.path("privileged").asBoolean(), "the agent loads BPF programs");
        assertEquals("host", agent.path("pid").asText(), "the agent sees host pids");
        assertTrue(compose.path("services").path("grafana").path("volumes").toString().contains("./grafana/provisioning"));
        assertTrue(Files.isDirectory(ROOT.resolve("grafana/provisioning")), "the provisioning the compose file mounts");

        // both jobs submitted with Elasticsearch, over topics that exist before anyone uses them
        String submit = compose.path("services").path("submit-jobs").path("command").toString();
        assertTrue(submit.contains("-c io.akmon.flink.alert.AlertJob") && submit.contains("/opt/akmon/akmon-flink-jobs.jar"), submit);
        assertEquals(2, submit.split("--es http://elasticsearch:9200", -1).length - 1, "both jobs write to Elasticsearch: " + submit);
        String create = compose.path("services").path("kafka-topics").path("command").get(0).asText();
        List<String> created = List.of(create.substring(create.indexOf("for t in ") + 9, create.indexOf("; do")).trim().split(" "));
        for (String topic : (JobOptions.DEFAULT_TOPICS + ",akmon.aggregates,akmon.alerts,akmon.deadletter").split(",")) {
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
    void theAgentRunsWithTheSameJvmOptionsEverywhere() throws Exception {
        String script = Files.readString(ROOT.resolve("akmon"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("AGENT_JAVA_OPTS=\"([^\"]+)\"").matcher(script);
        assertTrue(m.find(), "./akmon sets the agent's JVM options");
        String options = m.group(1);
        assertTrue(options.contains("-Xmx"), "a bounded heap: " + options);
        String unit = Files.readString(ROOT.resolve("deploy/systemd/akmon-agent.service"));
        assertTrue(unit.contains("/usr/bin/java " + options + " -jar"), unit);
        String image = Files.readString(ROOT.resolve("deploy/docker/agent.Dockerfile"));
        assertTrue(image.contains("[\"java\", \"" + String.join("\", \"", options.split(" ")) + "\", \"-jar\""), image);
        assertTrue(Files.readString(ROOT.resolve("README.md")).contains("`" + options + "`"), "README names them");
    }

    @Test
    void daemonSetGivesTheAgentWhatItNeedsOnANode() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode daemonSet = null;
        try (YAMLParser p = new YAMLFactory().createParser(ROOT.resolve("deploy/kubernetes/akmon-agent.yaml").toFile())) {
            for (JsonNode doc : yaml.readValues(p, JsonNode.class).readAll()) {
                if ("DaemonSet".equals(doc.path("kind").asText())) {
                    daemonSet = doc;
                }
            }
        }
        assertTrue(daemonSet != null, "a DaemonSet");
        JsonNode pod = daemonSet.path("spec").path("template").path("spec");
        assertTrue(pod.path("hostPID").asBoolean(), "host pid namespace");
        JsonNode container = pod.path("containers").get(0);
        assertTrue(container.path("securityContext").path("privileged").asBoolean());
        String mounts = container.path("volumeMounts").toString();
        for (String path : List.of("/sys/kernel/btf", "/sys/fs/bpf", "/var/lib/akmon", "/etc/akmon")) {
            assertTrue(mounts.contains(path), "mount " + path + " in " + mounts);
        }
        assertTrue(daemonSet.path("spec").path("selector").path("matchLabels")
                .equals(daemonSet.path("spec").path("template").path("metadata").path("labels")), "selector matches the pods");
    }
}

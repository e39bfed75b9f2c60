package io.akmon.agent;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.loader.Probe;
import io.akmon.agent.publish.KafkaSinkConfig;
import io.akmon.agent.redact.ArgvRedactor;
import io.akmon.agent.redact.RedactionSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Everything the agent can be told, from a YAML file ({@code --config}) and command-line flags
 * (flags win). Field names in the file are the flag names in snake_case; README.md lists them all.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public final class AgentSettings {
    public enum Transport { RINGBUF, PERF }

    /** Drain interval for the in-kernel counters, ms. */
    public long intervalMs = 1000;
    public Transport transport = Transport.RINGBUF;
    /** Ring buffer size in bytes (power of two, at least a page). */
    public int ringbufBytes = 8 << 20;
    /**
     * Ring buffer mode: wake the reader once this many bytes wait (the reader also looks every 10 ms,
     * so a quiet moment adds at most that); 0 wakes it for every record, which costs a wakeup each.
     */
    public int ringbufWakeupBytes = 64 << 10;

    /** The wakeup threshold in effect: at most a quarter of the ring buffer, so a small buffer is read long before it fills. */
    public int effectiveRingbufWakeupBytes() {
        return Math.min(ringbufWakeupBytes, ringbufBytes / 4);
    }
    /** Perf buffer pages per CPU (power of two). */
    public int perfPages = 64;
    /** Perf mode: wake the reader once per this many records per CPU (a timeout reads the rest). */
    public int perfWakeupEvents = 64;
    public List<Integer> pids = new ArrayList<>();
    public List<String> comms = new ArrayList<>();
    public List<String> cgroups = new ArrayList<>();
    /** Count one syscall in N, weighted by N; 1 counts every syscall exactly. */
    public int syscallSampleRate = 1;
    /** Bytes of argv copied per exec, 0..1023. */
    public int argvMax = 1023;
    public List<String> families = new ArrayList<>(List.of("process", "syscall", "cpu", "memory", "disk", "net"));
    /** File family: only paths under these directories (absolute; empty: every path). */
    public List<String> fileInclude = new ArrayList<>();
    /** File family: no paths under these directories; the longest matching include or exclude decides. */
    public List<String> fileExclude = new ArrayList<>();
    /** Replaces the kernel's host name on records. */
    public String host;
    public String btf = "/sys/kernel/btf/vmlinux";
    /** Where sequence counters are pinned so numbering survives agent restarts; empty disables. */
    public String pinDir = "/sys/fs/bpf/akmon";
    public boolean verbose;
    /** Log levels, {@code LEVEL} or {@code LOGGER=LEVEL} (see io.akmon.agent.logging.Logging); empty: the defaults. */
    public List<String> logLevel = new ArrayList<>();
    /** Port of the Prometheus endpoint ({@code /metrics}); -1: off, 0: any free port. */
    public int metricsPort = -1;
    /** Address the Prometheus endpoint listens on. */
    public String metricsAddress = "127.0.0.1";
    /**
     * Have the kernel count run time and runs of the agent's programs (BPF_ENABLE_STATS) for the
     * health record's per-program cost. Costs two clock reads per program run.
     */
    public boolean probeStats = true;
    /** Where records go: {@code stdout} or {@code kafka}. */
    public String sink = "stdout";
    /** Settings of the Kafka sink ({@code kafka:} section), used with {@code sink: kafka}. */
    public KafkaSinkConfig kafka;
    /** Install the system call allow-list once started (README "Security"). */
    public boolean seccomp;
    /** Secrets in argv, keyed-hash anonymisation ({@code redaction:} section). */
    public RedactionSettings redaction = new RedactionSettings();

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .addHandler(new KafkaSecurityKeys())
            .build();

    /**
     * The {@code kafka:} section's TLS and SASL keys ({@code ca}, {@code user}, {@code password_file}, ...) are the
     * {@code --kafka-*} options' own names ({@link io.akmon.schema.security.KafkaSecurityOptions#configKeys}), declared
     * once there; any other unknown key is still refused with its line.
     */
    private static final class KafkaSecurityKeys extends com.fasterxml.jackson.databind.deser.DeserializationProblemHandler {
        @Override
        public boolean handleUnknownProperty(com.fasterxml.jackson.databind.DeserializationContext ctxt,
                                             com.fasterxml.jackson.core.JsonParser p,
                                             com.fasterxml.jackson.databind.JsonDeserializer<?> deserializer,
                                             Object bean, String name) throws IOException {
            if (!(bean instanceof KafkaSinkConfig c) || !io.akmon.schema.security.KafkaSecurityOptions.configKeys().containsKey(name)) {
                return false;
            }
            if (!p.currentToken().isScalarValue() || p.currentToken() == com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
                throw com.fasterxml.jackson.databind.JsonMappingException.from(p, "kafka " + name
                        + " takes one value (a file path or a name), not a list, a section or nothing");
            }
            c.security.setByConfigKey(name, p.getValueAsString());
            return true;
        }
    }

    /** Reads a YAML settings file; problems name the file, the line and the field. */
    public static AgentSettings load(Path file) {
        if (!Files.isReadable(file)) {
            throw new ProbeException("cannot read config file " + file + (Files.exists(file) ? " (permission denied)" : " (no such file)"),
                    "check the path given to --config, or omit --config to use the defaults");
        }
        try {
            AgentSettings s = YAML.readValue(file.toFile(), AgentSettings.class);
            if (s == null) {
                s = new AgentSettings();
            }
            s.validate();
            return s;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ProbeException("invalid config file " + file + where + ": " + e.getOriginalMessage().split("\n")[0],
                    "fix that entry; README.md lists every setting with its type and default");
        } catch (IOException e) {
            throw new ProbeException("cannot read config file " + file + ": " + e.getMessage(), "check the file");
        }
    }

    /** Rejects values that cannot work, naming the setting. */
    public AgentSettings validate() {
        // YAML gives null for an empty item ("comms: [null]", "- " on its own line) or an empty list value.
        requireItems("pids", pids);
        requireItems("comms", comms);
        requireItems("cgroups", cgroups);
        requireItems("families", families);
        requireItems("file_include", fileInclude);
        requireItems("file_exclude", fileExclude);
        io.akmon.agent.loader.PathFilters.entries(fileInclude, fileExclude);
        require(transport != null, "transport is empty (use ringbuf or perf)");
        require(sink != null, "sink is empty (use stdout or kafka)");
        require(btf != null, "btf is empty (give the path of the kernel's BTF, e.g. /sys/kernel/btf/vmlinux)");
        require(intervalMs >= 10, "interval_ms must be at least 10 (got " + intervalMs + ")");
        require(ringbufBytes >= 4096 && Integer.bitCount(ringbufBytes) == 1,
                "ringbuf_bytes must be a power of two of at least 4096 (got " + ringbufBytes + ")");
        require(perfPages >= 1 && Integer.bitCount(perfPages) == 1, "perf_pages must be a power of two (got " + perfPages + ")");
        require(ringbufWakeupBytes >= 0, "ringbuf_wakeup_bytes must be 0 or more (got " + ringbufWakeupBytes + ")");
        require(perfWakeupEvents >= 1, "perf_wakeup_events must be at least 1 (got " + perfWakeupEvents + ")");
        require(syscallSampleRate >= 1, "syscall_sample_rate must be at least 1 (got " + syscallSampleRate + ")");
        require(argvMax >= 0 && argvMax <= 1023, "argv_max must be within 0..1023 (got " + argvMax + ")");
        io.akmon.agent.logging.Logging.parse(logLevel);
        require(metricsPort >= -1 && metricsPort < 65536, "metrics_port must be within 0..65535, or -1 for off (got " + metricsPort + ")");
        require(metricsAddress != null && !metricsAddress.isBlank(), "metrics_address must be an address of this machine");
        require("stdout".equals(sink) || "kafka".equals(sink), "sink must be stdout or kafka (got " + sink + ")");
        for (String c : comms) {
            require(!c.isEmpty() && c.length() < 16, "comm filter '" + c + "' must be 1..15 characters (the kernel's comm length)");
        }
        require(redaction != null, "redaction must be a section (enabled, patterns, anonymise_key_file)");
        ArgvRedactor.withPatterns(redaction.patterns);
        try {
            enabledFamilies();
        } catch (IllegalArgumentException e) {
            throw new ProbeException("invalid families: " + e.getMessage(), "list some of process, syscall, cpu, memory, disk, net, file");
        }
        return this;
    }

    /** A list setting must be a list without empty items. */
    static void requireItems(String setting, List<?> list) {
        require(list != null, setting + " is empty (null); give a list, e.g. " + setting + ": [] for none");
        for (int i = 0; i < list.size(); i++) {
            require(list.get(i) != null, setting + " has an empty item (null) at position " + (i + 1)
                    + "; remove it or give a value");
        }
    }

    private static void require(boolean ok, String problem) {
        if (!ok) {
            throw new ProbeException("invalid setting: " + problem, "correct it on the command line or in the config file");
        }
    }

    /** In the config file, one setting ({@code log_level: debug}) or a list of them. */
    @JsonProperty("log_level")
    public void setLogLevel(Object value) {
        logLevel = new ArrayList<>();
        if (value instanceof List<?> list) {
            list.forEach(v -> logLevel.add(String.valueOf(v)));
        } else if (value != null) {
            logLevel.add(String.valueOf(value));
        }
    }

    @JsonProperty("families")
    public void setFamilies(List<String> families) {
        this.families = families == null ? null : new ArrayList<>(families);
    }

    public Set<Probe.Family> enabledFamilies() {
        Set<Probe.Family> set = EnumSet.noneOf(Probe.Family.class);
        for (String f : families) {
            set.add(Probe.Family.parse(f));
        }
        return set;
    }
}

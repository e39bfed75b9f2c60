package io.akmon.agent.cli;

import io.akmon.agent.Agent;
import io.akmon.agent.AgentSettings;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.logging.Logging;
import io.akmon.agent.metrics.AgentMetrics;
import io.akmon.agent.metrics.MetricsServer;
import io.akmon.agent.metrics.MetricsTap;
import io.akmon.agent.publish.EventSink;
import io.akmon.agent.publish.KafkaOptions;
import io.akmon.agent.publish.StdoutSink;
import io.akmon.agent.security.AuditRecord;
import io.akmon.agent.security.Hardening;
import io.akmon.agent.security.SecurityOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** {@code akmon agent}: load the probes and stream what the kernel sees. */
@Command(name = "akmon agent", mixinStandardHelpOptions = true, version = "akmon 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Loads the eBPF probes into this kernel and streams process, syscall, CPU, memory, disk and network",
            "records. With --sink stdout, one JSON object per line (pipe into jq).",
            "",
            "Exit codes: 0 done, 1 failed while running, 2 bad usage or settings, 3 this machine cannot run",
            "the probes (privileges, BTF, kernel)."},
        exitCodeListHeading = "")
public final class AgentCommand implements Callable<Integer> {
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = io.akmon.schema.cli.UsageLines.EXIT_USAGE;
    static final int EXIT_ENVIRONMENT = 3;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML settings file; flags given here override it.")
    Path config;

    @Option(names = "--sink", paramLabel = "SINK",
            description = "Where records go: stdout (JSON lines) or kafka (see the Kafka options). Default: stdout.")
    String sink;

    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Stop after this long (e.g. 30s, 5m). Default: until Ctrl-C.")
    Duration duration;

    @Option(names = "--interval", paramLabel = "TIME", converter = DurationConverter.class,
            description = "How often in-kernel counters (syscall, cpu, memory, disk, net) are drained. Default: 1s.")
    Duration interval;

    @Option(names = "--transport", paramLabel = "KIND", description = "ringbuf (default) or perf.")
    String transport;

    @Option(names = "--ringbuf-bytes", paramLabel = "N", description = "Ring buffer size, a power of two. Default: 8388608.")
    Integer ringbufBytes;

    @Option(names = "--ringbuf-wakeup", paramLabel = "BYTES",
            description = "Ring buffer mode: wake the reader once this many bytes wait (at most a quarter of the buffer; 0: every record). Default: 65536.")
    Integer ringbufWakeup;

    @Option(names = "--perf-pages", paramLabel = "N", description = "Perf buffer pages per CPU, a power of two. Default: 64.")
    Integer perfPages;

    @Option(names = "--perf-wakeup", paramLabel = "N", description = "Perf mode: wake the reader every N records per CPU. Default: 64.")
    Integer perfWakeup;

    @Option(names = "--pid", paramLabel = "PID", split = ",", description = "Only these processes and their descendants (repeatable).")
    List<Integer> pids;

    @Option(names = "--comm", paramLabel = "NAME", split = ",", description = "Only processes with this comm (repeatable).")
    List<String> comms;

    @Option(names = "--cgroup", paramLabel = "DIR", split = ",", description = "Only processes in this cgroup v2 directory (repeatable).")
    List<String> cgroups;

    @Option(names = "--syscall-sample-rate", paramLabel = "N",
            description = "Count 1 syscall in N, weighted by N (1 = exact, the default).")
    Integer syscallSampleRate;

    @Option(names = "--families", paramLabel = "LIST", split = ",",
            description = "Families to collect: process,syscall,cpu,memory,disk,net,file (default all but file).")
    List<String> families;

    @Option(names = "--file-include", paramLabel = "DIR", split = ",",
            description = "File family: only paths under this directory (repeatable). Default: every path.")
    List<String> fileInclude;

    @Option(names = "--file-exclude", paramLabel = "DIR", split = ",",
            description = "File family: no paths under this directory, e.g. /proc,/sys (repeatable); the longest matching prefix decides.")
    List<String> fileExclude;

    @Option(names = "--argv-max", paramLabel = "BYTES", description = "Bytes of argv kept per exec, 0..1023. Default: 1023.")
    Integer argvMax;

    @Option(names = "--host", paramLabel = "NAME", description = "Host name on records. Default: the kernel's host name.")
    String host;

    @Option(names = "--btf", paramLabel = "FILE", description = "Kernel BTF. Default: /sys/kernel/btf/vmlinux.")
    String btf;

    @Option(names = "--pin-dir", paramLabel = "DIR",
            description = "BPF filesystem directory for sequence counters that survive restarts. Default: /sys/fs/bpf/akmon; empty disables.")
    String pinDir;

    @Option(names = "--probe-stats", negatable = true, paramLabel = "BOOL", fallbackValue = "true",
            description = "Have the kernel count each probe's runs and run time for the health record (--no-probe-stats: off). Default: on.")
    Boolean probeStats;

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Mixin
    SecurityOptions security = new SecurityOptions();

    @Mixin
    MetricsOptions metricsOptions = new MetricsOptions();

    @Mixin
    LogOptions logOptions = new LogOptions();

    @Option(names = {"-v", "--verbose"}, description = "Echo libbpf's messages.")
    boolean verbose;

    AgentSettings settings() {
        AgentSettings s = config != null ? AgentSettings.load(config) : new AgentSettings();
        if (interval != null) s.intervalMs = interval.toMillis();
        if (transport != null) {
            try {
                s.transport = AgentSettings.Transport.valueOf(transport.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ProbeException("invalid setting: --transport " + transport, "use ringbuf or perf");
            }
        }
        if (ringbufBytes != null) s.ringbufBytes = ringbufBytes;
        if (ringbufWakeup != null) s.ringbufWakeupBytes = ringbufWakeup;
        if (perfPages != null) s.perfPages = perfPages;
        if (perfWakeup != null) s.perfWakeupEvents = perfWakeup;
        if (pids != null) s.pids = pids;
        if (comms != null) s.comms = comms;
        if (cgroups != null) s.cgroups = cgroups;
        if (syscallSampleRate != null) s.syscallSampleRate = syscallSampleRate;
        if (families != null) s.families = families;
        if (fileInclude != null) s.fileInclude = fileInclude;
        if (fileExclude != null) s.fileExclude = fileExclude;
        if (argvMax != null) s.argvMax = argvMax;
        if (host != null) s.host = host;
        if (btf != null) s.btf = btf;
        if (pinDir != null) s.pinDir = pinDir;
        if (probeStats != null) s.probeStats = probeStats;
        if (sink != null) s.sink = sink.trim().toLowerCase(java.util.Locale.ROOT);
        s.verbose |= verbose;
        security.applyTo(s);
        s.logLevel = logOptions.or(s.logLevel);
        s.metricsPort = metricsOptions.portOr(s.metricsPort);
        s.metricsAddress = metricsOptions.addressOr(s.metricsAddress);
        return s.validate();
    }

    EventSink openSink(AgentSettings s) {
        return switch (s.sink) {
            case "stdout" -> new StdoutSink(new FileOutputStream(FileDescriptor.out));
            case "kafka" -> kafka.open(s.kafka, s.host);
            default -> throw new ProbeException("unknown sink '" + s.sink + "'", "use --sink stdout or --sink kafka");
        };
    }

    @Override
    public Integer call() throws Exception {
        AgentSettings s;
        try {
            s = settings();
        } catch (ProbeException e) {
            System.err.println("akmon agent: " + e.oneLine());
            return EXIT_USAGE;
        }
        Logging.apply(s.logLevel);
        EventSink out;
        try {
            out = openSink(s);
        } catch (ProbeException e) {
            System.err.println("akmon agent: " + e.oneLine());
            return EXIT_USAGE;
        }
        MetricsTap tap = new MetricsTap(out);
        AtomicReference<Agent> running = new AtomicReference<>();
        MetricsServer metrics = null;
        if (s.metricsPort >= 0) {
            try {
                metrics = MetricsServer.start(s.metricsAddress, s.metricsPort, AgentMetrics.collector(out, tap, () -> {
                    Agent a = running.get();
                    return a == null ? null : new AgentMetrics.AgentFigures() {
                        @Override
                        public long recordsRead() {
                            return a.recordsRead();
                        }

                        @Override
                        public long transportLost() {
                            return a.transportLost();
                        }
                    };
                }, () -> {
                    Agent a = running.get();
                    return a == null ? List.of() : a.programCosts();
                }));
            } catch (ProbeException e) {
                System.err.println("akmon agent: " + e.oneLine());
                out.close();
                return EXIT_USAGE;
            }
        }
        Agent agent;
        try {
            agent = Agent.start(s, metrics != null ? tap : out, System.err);
            running.set(agent);
        } catch (ProbeException e) {
            System.err.println("akmon agent: " + e.oneLine());
            if (metrics != null) {
                metrics.close();
            }
            out.close();
            return EXIT_ENVIRONMENT;
        }
        MetricsServer served = metrics;
        if (out instanceof io.akmon.agent.publish.KafkaSink kafkaSink) {
            kafkaSink.healthExtras(agent::healthFigures);
            kafkaSink.progress(agent::progress);
        }
        // Ctrl-C and SIGTERM are the normal way to stop: handled here so the exit code is 0.
        CountDownLatch stopRequested = new CountDownLatch(1);
        for (String sig : new String[] {"INT", "TERM"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(sig), signal -> stopRequested.countDown());
        }
        Thread hook = new Thread(() -> {
            agent.close();
            out.close();
            if (served != null) {
                served.close();
            }
        }, "akmon-shutdown"); // any other way the JVM ends still detaches the probes
        Runtime.getRuntime().addShutdownHook(hook);
        System.err.println("akmon agent: running " + agent.attachedPrograms().size() + " probes ("
                + agent.runningFamilies().stream().map(f -> f.wireName()).toList() + ") with " + s.transport.name().toLowerCase()
                + (duration != null ? " for " + duration.toSeconds() + "s" : "; Ctrl-C stops"));
        // attached, maps and buffers open: give up what is no longer needed, then say what is in effect
        try {
            AuditRecord.emit(out, s, "kafka".equals(s.sink) ? kafka.applyTo(s.kafka) : null, config, agent,
                    Hardening.afterStart(s.seccomp, served != null, System.err));
        } catch (ProbeException e) {
            System.err.println("akmon agent: " + e.oneLine());
            agent.close();
            out.close();
            if (served != null) {
                served.close();
            }
            Runtime.getRuntime().removeShutdownHook(hook);
            return EXIT_ENVIRONMENT;
        }
        if (served != null) {
            System.err.println("akmon agent: metrics at " + served.url());
        }
        if (duration != null) {
            stopRequested.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            stopRequested.await();
        }
        agent.close();
        out.close();
        if (served != null) {
            served.close();
        }
        Runtime.getRuntime().removeShutdownHook(hook);
        System.err.println("akmon agent: stopped; " + agent.recordsRead() + " kernel records read, every probe detached");
        return 0;
    }

    public static void main(String[] args) {
        CommandLine cl = io.akmon.schema.cli.UsageLines.install(new CommandLine(new AgentCommand()));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            System.err.println("akmon agent: " + (ex instanceof ProbeException p ? p.oneLine() : ex.toString()));
            return ex instanceof ProbeException ? EXIT_ENVIRONMENT : EXIT_FAILED;
        });
        System.exit(cl.execute(args));
    }
}

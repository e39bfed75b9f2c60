package io.akmon.cli.run;

import io.akmon.agent.cli.DurationConverter;
import io.akmon.cli.top.PipelineView;
import io.akmon.cli.top.Screen;
import io.akmon.cli.top.TopFeed;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code akmon run}: the whole pipeline on this machine, watched through its own outputs. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Starts a real Kafka broker, a real Elasticsearch node, the Flink aggregation and alert jobs in a",
            "MiniCluster and the agent on this machine, then shows a live view built from the pipeline's outputs",
            "(aggregates, alerts, agent health, Kafka lag, checkpoints). Ctrl-C stops everything and detaches",
            "every probe.",
            "",
            "Exit codes: 0 stopped normally, 2 bad usage (e.g. an unusable --data-dir), 3 a component failed to",
            "start (named with the reason)."})
public final class RunCommand implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "/var/lib/akmon/local",
            description = "Where Kafka, Elasticsearch, checkpoints and the agent's spool keep their data. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--no-ui", description = "Print one JSON status line per refresh instead of the live view.")
    boolean noUi;

    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class,
            description = "Stop after this long. Default: until Ctrl-C.")
    Duration duration;

    @Option(names = "--refresh", paramLabel = "TIME", converter = DurationConverter.class, defaultValue = "2s",
            description = "How often the view is redrawn. Default: ${DEFAULT-VALUE}.")
    Duration refresh;

    @Option(names = "--window", paramLabel = "TIME", defaultValue = "10s", converter = DurationConverter.class,
            description = "Aggregation window. Default: ${DEFAULT-VALUE}.")
    Duration window;

    @Option(names = "--tls",
            description = "Every Kafka client of the pipeline (agent, jobs, the view) connects over TLS, to a listener of "
                    + "its own with a certificate of a CA made for this run in <data-dir>/pki. Default: plaintext (on loopback).")
    boolean tls;

    @Option(names = "--pid", paramLabel = "PID", split = ",", description = "Watch only these processes and their descendants.")
    List<Integer> pids;

    @Option(names = "--comm", paramLabel = "NAME", split = ",", description = "Watch only processes with this command name.")
    List<String> comms;

    /** What to start, from the flags. */
    LocalPipeline.Options options() {
        LocalPipeline.Options o = new LocalPipeline.Options();
        o.dataDir = dataDir;
        // The normal form is what the jobs label aggregates with, and what the view and the rules look for.
        o.window = io.akmon.schema.Durations.format(window);
        o.agent.pinDir = "/sys/fs/bpf/akmon";
        o.tls = tls;
        if (pids != null) o.agent.pids = pids;
        if (comms != null) o.agent.comms = comms;
        return o;
    }

    @Override
    public Integer call() throws Exception {
        try {
            io.akmon.agent.security.PrivateDirectory.prepare(dataDir, "data directory", "--data-dir"); // 0700: it holds every record
        } catch (io.akmon.agent.loader.ProbeException e) {
            System.err.println("akmon run: " + e.oneLine());
            return 2;
        } catch (java.io.IOException e) {
            // createDirectories reports a file in the way as "already exists": say what it means
            String why = e instanceof java.nio.file.FileAlreadyExistsException
                    ? "Not a directory: " + e.getMessage() + " is a file"
                    : e.getClass().getSimpleName() + " " + e.getMessage();
            System.err.println("akmon run: cannot use --data-dir " + dataDir + ": " + why
                    + "; fix: point --data-dir at a writable directory");
            return 2;
        }
        System.setProperty("akmon.log.file", dataDir.resolve("akmon.log").toString());
        org.apache.logging.log4j.core.config.Configurator.reconfigure();
        LocalPipeline.Options o = options();
        CountDownLatch stop = new CountDownLatch(1);
        for (String sig : new String[] {"INT", "TERM"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
        }
        LocalPipeline pipeline;
        try {
            pipeline = LocalPipeline.start(o, System.err);
        } catch (LocalPipeline.StartException e) {
            System.err.println("akmon run: " + e.getMessage());
            return 3;
        }
        Thread hook = new Thread(pipeline::close, "akmon-run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        System.err.println("akmon run: log of Kafka and Flink warnings: " + dataDir.resolve("akmon.log"));
        System.err.println("akmon run: pipeline up. Kafka at " + pipeline.bootstrapServers()
                + (pipeline.clientProperties().isEmpty() ? "" : " over TLS (CA " + dataDir.resolve("pki").resolve("ca.pem") + ")")
                + " (topics akmon.<type>, "
                + "akmon.aggregates, akmon.aggregates.live, akmon.alerts), Flink REST at " + pipeline.flinkRestUrl());
        System.err.println("akmon run: Elasticsearch at " + pipeline.elasticsearchUrl() + " (aliases "
                + String.join(", ", pipeline.elasticsearchAliases()) + " over daily indices <alias>-YYYY.MM.DD, time field "
                + "timestamp): point Grafana's Elasticsearch datasource there, or use grafana/provisioning");
        PipelineView view = new PipelineView(o.window);
        view.showAlways(io.akmon.agent.host.HostIdentity.local(o.agent.host).host(), (int) ProcessHandle.current().pid());
        try (TopFeed feed = new TopFeed(view, pipeline.bootstrapServers(), pipeline.clientProperties(), pipeline.viewTopics(),
                LocalPipeline.AGGREGATION_GROUP,
                pipeline.flinkRestUrl(), Duration.ofMinutes(1))) {
            Screen.loop(view, feed, System.out, !noUi, refresh, duration, stop);
        }
        System.err.println("akmon run: stopping");
        pipeline.close();
        Runtime.getRuntime().removeShutdownHook(hook);
        System.err.println("akmon run: stopped; every probe detached");
        return 0;
    }
}

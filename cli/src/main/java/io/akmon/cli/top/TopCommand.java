package io.akmon.cli.top;

import io.akmon.agent.cli.DurationConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code akmon top}: the live view against an existing deployment's Kafka. */
@Command(name = "top", mixinStandardHelpOptions = true, sortOptions = false,
        description = "A live view of a running deployment, read from its Kafka topics (aggregates, alerts, agent health).")
public final class TopCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", required = true, description = "Kafka bootstrap servers.")
    String bootstrap;

    @picocli.CommandLine.Mixin
    io.akmon.schema.security.KafkaSecurityOptions kafkaSecurity = new io.akmon.schema.security.KafkaSecurityOptions();

    @Option(names = "--flink", paramLabel = "URL", description = "Flink REST address, for job state and checkpoints (e.g. http://jobmanager:8081).")
    String flink;

    @Option(names = "--group", paramLabel = "ID", defaultValue = "akmon-aggregation", description = "The aggregation job's consumer group. Default: ${DEFAULT-VALUE}.")
    String group;

    @Option(names = "--window", paramLabel = "TIME", defaultValue = "10s", converter = DurationConverter.class,
            description = "Which aggregate resolution to show. Default: ${DEFAULT-VALUE}.")
    Duration window;

    @Option(names = "--live-topic", paramLabel = "TOPIC", defaultValue = "akmon.aggregates.live",
            description = "The aggregation job's live partials (its --live-topic): the open window is shown, marked live, until its final documents arrive; empty shows closed windows only. Default: ${DEFAULT-VALUE}.")
    String liveTopic;

    @Option(names = "--no-ui", description = "One JSON status line per refresh instead of the screen.")
    boolean noUi;

    @Option(names = "--refresh", paramLabel = "TIME", converter = DurationConverter.class, defaultValue = "2s", description = "Default: ${DEFAULT-VALUE}.")
    Duration refresh;

    @Option(names = "--duration", paramLabel = "TIME", converter = DurationConverter.class, description = "Stop after this long.")
    Duration duration;

    @Override
    public Integer call() throws Exception {
        PipelineView view = new PipelineView(io.akmon.schema.Durations.format(window));
        CountDownLatch stop = new CountDownLatch(1);
        for (String sig : new String[] {"INT", "TERM"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
        }
        List<String> topics = new java.util.ArrayList<>(List.of("akmon.aggregates", "akmon.alerts", "akmon.agent"));
        if (!liveTopic.isEmpty()) {
            topics.add(liveTopic);
        }
        try (TopFeed feed = new TopFeed(view, bootstrap, kafkaSecurity.clientProperties(), topics, group, flink,
                Duration.ofMinutes(1))) {
            Screen.loop(view, feed, System.out, !noUi, refresh, duration, stop);
        }
        return 0;
    }
}

package io.akmon.cli.top;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code akmon status}: a deployment's health as one JSON object — agents seen, their losses, the
 * job's lag and last checkpoint. Exit 0 healthy, 1 degraded (losses, no checkpoint, job not running).
 */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Health of a deployment as JSON: agents seen in the last minute, losses, Kafka lag, checkpoints.",
            "Exit code 0 when healthy, 1 when degraded."})
public final class StatusCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", required = true, description = "Kafka bootstrap servers.")
    String bootstrap;

    @picocli.CommandLine.Mixin
    io.akmon.schema.security.KafkaSecurityOptions kafkaSecurity = new io.akmon.schema.security.KafkaSecurityOptions();

    @Option(names = "--flink", paramLabel = "URL", description = "Flink REST address (e.g. http://jobmanager:8081).")
    String flink;

    @Option(names = "--group", paramLabel = "ID", defaultValue = "akmon-aggregation", description = "Default: ${DEFAULT-VALUE}.")
    String group;

    @Override
    public Integer call() throws Exception {
        java.util.Map<String, String> client = kafkaSecurity.clientProperties();
        io.akmon.flink.config.KafkaAccess.topics(bootstrap, client, "the status check"); // refused: one line, exit 2
        PipelineView view = new PipelineView("10s");
        try (TopFeed feed = new TopFeed(view, bootstrap, client, List.of("akmon.aggregates", "akmon.agent"), group, flink,
                Duration.ofMinutes(1))) {
            if (!feed.awaitCaughtUp(Duration.ofSeconds(30))) {
                System.err.println("akmon status: kafka at " + bootstrap + " did not serve the last minute of akmon.aggregates "
                        + "and akmon.agent within 30 s; the figures below are what arrived; fix: check the brokers' load");
            }
            feed.refreshJobStatus();
            if (feed.jobStatusError() != null) {
                System.err.println("akmon status: cannot read the Flink REST API at " + flink + ": " + feed.jobStatusError()
                        + "; fix: check --flink and that the JobManager is up");
            }
        }
        var snap = view.snapshot(System.currentTimeMillis(), 0);
        snap.remove("processes");
        snap.remove("alerts");
        snap.put("agents", view.agentCount());
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(snap));
        boolean healthy = snap.path("lost").asLong() == 0 && view.agentCount() > 0
                && (flink == null || "running".equals(snap.path("job_state").asText()));
        return healthy ? 0 : 1;
    }
}

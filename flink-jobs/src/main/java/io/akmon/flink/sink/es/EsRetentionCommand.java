package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code akmon es retention}: deletes akmon's dated indices whose period ended more than N days ago. */
@Command(name = "retention", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Deletes the dated indices <prefix>-metrics-<date> and <prefix>-alerts-<date> whose day "
                + "(or month) ended more than --retention-days days ago, so the last N days are always kept. "
                + "Other indices are never touched. Run it daily (cron) or let the job do it (--es-retention-days).",
                "Exit status: 0 done, 1 Elasticsearch refused or could not be reached, 2 bad usage."})
public class EsRetentionCommand implements Callable<Integer> {
    @CommandLine.Mixin
    public EsAdminOptions admin = new EsAdminOptions();

    @Option(names = "--dry-run", description = "Only list what would be deleted.")
    public boolean dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(io.akmon.flink.config.CommandLines.oneLineErrors(new CommandLine(new EsRetentionCommand())).execute(args));
    }

    @Override
    public Integer call() {
        EsSinkOptions options = admin.toSinkOptions();
        PrintWriter out = spec.commandLine().getOut();
        Instant now = Instant.now();
        try (EsClient es = EsClient.of(options)) {
            List<String> deleted = dryRun ? Retention.expired(es, options, now) : Retention.apply(es, options, now);
            if (admin.json) {
                ObjectNode r = admin.report("ok");
                r.put("dry_run", dryRun);
                r.putPOJO("deleted", deleted);
                out.println(r);
            } else {
                out.printf("retention: %s; %s: %s%n", admin.retentionText(), dryRun ? "would delete" : "deleted",
                        deleted.isEmpty() ? "none" : String.join(", ", deleted));
            }
            out.flush();
            return 0;
        } catch (EsClient.EsException e) {
            return admin.fail(spec, e);
        }
    }
}

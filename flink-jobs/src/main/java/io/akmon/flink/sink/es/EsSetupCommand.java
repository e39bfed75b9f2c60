package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code akmon es setup}: installs the index templates (explicit mappings, read aliases), creates the
 * current period's indices and applies the retention. Safe to run any number of times.
 */
@Command(name = "setup", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prepares Elasticsearch for akmon: index templates with explicit mappings for "
                + "<prefix>-metrics-<date> and <prefix>-alerts-<date>, the read aliases <prefix>-metrics and "
                + "<prefix>-alerts, today's indices, and the retention (dated indices older than "
                + "--retention-days are deleted; no X-Pack needed). Idempotent.",
                "Exit status: 0 done, 1 Elasticsearch refused or could not be reached, 2 bad usage."})
public class EsSetupCommand implements Callable<Integer> {
    @CommandLine.Mixin
    public EsAdminOptions admin = new EsAdminOptions();

    @Option(names = "--shards", defaultValue = "1", description = "Primary shards of new indices. Default: ${DEFAULT-VALUE}.")
    public int shards;

    @Option(names = "--replicas", defaultValue = "0",
            description = "Replicas of new indices (0 suits a single node). Default: ${DEFAULT-VALUE}.")
    public int replicas;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(io.akmon.flink.config.CommandLines.oneLineErrors(new CommandLine(new EsSetupCommand())).execute(args));
    }

    @Override
    public Integer call() {
        EsSinkOptions options = admin.toSinkOptions();
        options.shards = shards;
        options.replicas = replicas;
        PrintWriter out = spec.commandLine().getOut();
        Instant now = Instant.now();
        try (EsClient es = EsClient.of(options)) {
            IndexTemplates.Installed installed = IndexTemplates.install(es, options, now);
            List<String> deleted = Retention.apply(es, options, now);
            if (admin.json) {
                ObjectNode r = admin.report("ok");
                r.putPOJO("templates", installed.templates);
                r.putPOJO("indices_created", installed.indicesCreated);
                r.putPOJO("aliases", installed.aliases);
                r.putPOJO("deleted", deleted);
                out.println(r);
            } else {
                out.printf("templates installed: %s%n", String.join(", ", installed.templates));
                out.printf("indices created:     %s%n", installed.indicesCreated.isEmpty() ? "none (already there)"
                        : String.join(", ", installed.indicesCreated));
                out.printf("read aliases:        %s%n", String.join(", ", installed.aliases));
                out.printf("retention:           %s; deleted: %s%n", admin.retentionText(),
                        deleted.isEmpty() ? "none" : String.join(", ", deleted));
            }
            out.flush();
            return 0;
        } catch (EsClient.EsException e) {
            return admin.fail(spec, e);
        }
    }
}

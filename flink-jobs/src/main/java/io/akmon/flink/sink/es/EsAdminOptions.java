package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** Options shared by the {@code akmon es} commands. */
public class EsAdminOptions {
    @Option(names = "--es", split = ",", paramLabel = "URL", defaultValue = "http://localhost:9200",
            description = "Elasticsearch URL(s), comma-separated. Default: ${DEFAULT-VALUE}.")
    public List<String> hosts = new ArrayList<>();

    @Option(names = "--retention-days", paramLabel = "N", defaultValue = "7",
            description = "Keep the last N days; dated indices whose period ended earlier are deleted. 0 keeps everything. Default: ${DEFAULT-VALUE}.")
    public int retentionDays;

    @Option(names = "--index-prefix", defaultValue = IndexNames.DEFAULT_PREFIX,
            description = "Prefix of index and alias names. Default: ${DEFAULT-VALUE}.")
    public String indexPrefix;

    @Option(names = "--index-period", defaultValue = "daily", converter = EsSinkOptions.PeriodConverter.class,
            description = "Index per day or month (daily, monthly); must match the job's. Default: ${DEFAULT-VALUE}.")
    public EsSinkOptions.IndexPeriod indexPeriod;

    @CommandLine.Mixin
    public EsSecurityOptions security = new EsSecurityOptions();

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    public boolean json;

    EsSinkOptions toSinkOptions() {
        EsSinkOptions o = new EsSinkOptions();
        o.hosts = new ArrayList<>(hosts);
        o.retentionDays = retentionDays;
        o.indexPrefix = indexPrefix;
        o.indexPeriod = indexPeriod;
        o.security = security;
        return o;
    }

    ObjectNode report(String status) {
        ObjectNode r = EsClient.MAPPER.createObjectNode();
        r.put("status", status);
        r.putPOJO("es", hosts);
        r.put("index_prefix", indexPrefix);
        r.put("index_period", indexPeriod.name().toLowerCase());
        r.put("retention_days", retentionDays);
        return r;
    }

    String retentionText() {
        return retentionDays <= 0 ? "keep everything" : "keep " + retentionDays + " days";
    }

    int fail(CommandLine.Model.CommandSpec spec, EsClient.EsException e) {
        String fix = e.status <= 0 && tlsProblem(e)
                ? "check that --es-ca holds the CA of the nodes' certificates and that the names in --es match them"
                : e.status <= 0
                ? "check that Elasticsearch answers at " + String.join(",", toSinkOptions().hosts) + " (--es URL)"
                : e.status == 401 ? "check the credentials: --es-user with --es-password-file, or --es-api-key-file"
                : e.status == 403 ? "use a user allowed to manage index templates and indices"
                : "see the error above; the node's log has the details";
        if (json) {
            ObjectNode r = report("error");
            r.put("error", e.getMessage());
            r.put("fix", fix);
            r.put("http_status", e.status);
            spec.commandLine().getOut().println(r);
            spec.commandLine().getOut().flush();
        } else {
            spec.commandLine().getErr().println("akmon es: " + e.getMessage() + "; fix: " + fix);
            spec.commandLine().getErr().flush();
        }
        return 1;
    }

    private static boolean tlsProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return true;
            }
        }
        return false;
    }
}

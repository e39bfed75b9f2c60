package io.akmon.flink.sink.es;

import org.apache.http.HttpHost;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where and how documents go to Elasticsearch. A picocli mixin: a job adds it with
 * {@code @Mixin EsSinkOptions es} and gets the {@code --es-*} flags; code can also fill the fields.
 */
public class EsSinkOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    @Option(names = "--es", split = ",", paramLabel = "URL", defaultValue = "http://localhost:9200",
            description = "Elasticsearch node URLs, comma-separated. Default: ${DEFAULT-VALUE}.")
    public List<String> hosts = new ArrayList<>(List.of("http://localhost:9200"));

    @Option(names = "--es-index-prefix", defaultValue = IndexNames.DEFAULT_PREFIX,
            description = "Index and alias names start with this: <prefix>-metrics-<date>. Default: ${DEFAULT-VALUE}.")
    public String indexPrefix = IndexNames.DEFAULT_PREFIX;

    @Option(names = "--es-index-period", defaultValue = "daily", converter = PeriodConverter.class,
            description = "One index per day or per month: daily or monthly. Default: ${DEFAULT-VALUE}.")
    public IndexPeriod indexPeriod = IndexPeriod.DAILY;

    @Option(names = "--es-bulk-actions", defaultValue = "1000",
            description = "Flush a bulk request after this many documents. Default: ${DEFAULT-VALUE}.")
    public int bulkActions = 1000;

    @Option(names = "--es-bulk-size-mb", defaultValue = "5",
            description = "Flush a bulk request at this size. Default: ${DEFAULT-VALUE} MB.")
    public int bulkSizeMb = 5;

    @Option(names = "--es-flush-interval", defaultValue = "1s", converter = DurationConverter.class,
            description = "Flush buffered documents at least this often. Default: ${DEFAULT-VALUE}.")
    public Duration flushInterval = Duration.ofSeconds(1);

    @Option(names = "--es-refresh-on-write", negatable = true, defaultValue = "false", fallbackValue = "true",
            description = "Every bulk request refreshes the shards it wrote, so its documents are searchable when it returns instead of at the index's next refresh (up to 1 s later); costs Elasticsearch a refresh per flush. Alerts always do. Default: ${DEFAULT-VALUE}.")
    public boolean refreshOnWrite = false;

    @Option(names = "--es-backoff", defaultValue = "exponential", converter = BackoffConverter.class,
            description = "Retry of rejected bulk requests (ES overloaded): exponential, constant or none. Default: ${DEFAULT-VALUE}.")
    public Backoff backoff = Backoff.EXPONENTIAL;

    @Option(names = "--es-backoff-retries", defaultValue = "0",
            description = "Retries of documents refused for now (429, 5xx, timeout, node down) before the job fails over; 0 waits for ever. Default: ${DEFAULT-VALUE}.")
    public int backoffRetries = 0;

    @Option(names = "--es-backoff-delay", defaultValue = "200ms", converter = DurationConverter.class,
            description = "First retry delay (doubled each time when exponential). Default: ${DEFAULT-VALUE}.")
    public Duration backoffDelay = Duration.ofMillis(200);

    @Option(names = "--es-backoff-max-delay", defaultValue = "30s", converter = DurationConverter.class,
            description = "Longest delay between two retries. Default: ${DEFAULT-VALUE}.")
    public Duration backoffMaxDelay = Duration.ofSeconds(30);

    @Option(names = "--es-max-document-size", defaultValue = "10mb", converter = io.akmon.flink.config.JobOptions.SizeConverter.class,
            paramLabel = "SIZE",
            description = "Documents larger than this go to the dead letters instead of Elasticsearch. Default: ${DEFAULT-VALUE}.")
    public long maxDocumentBytes = 10L << 20;

    @Option(names = "--es-dead-letter-topic", defaultValue = "akmon.deadletter", paramLabel = "TOPIC",
            description = "Kafka topic of the documents Elasticsearch refuses for good (mapping conflict, too large, bad request), with its reason. Default: ${DEFAULT-VALUE}.")
    public String deadLetterTopic = "akmon.deadletter";

    @Option(names = "--es-socket-timeout", defaultValue = "30s", converter = DurationConverter.class,
            description = "Socket timeout of bulk requests. Default: ${DEFAULT-VALUE}.")
    public Duration socketTimeout = Duration.ofSeconds(30);

    @Option(names = "--es-setup", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Install index templates and today's indices when the sink starts (idempotent). Default: ${DEFAULT-VALUE}.")
    public boolean setup = true;

    @Option(names = "--es-retention-days", defaultValue = "7",
            description = "Delete dated indices whose period ended more than this many days ago; 0 keeps everything. Default: ${DEFAULT-VALUE}.")
    public int retentionDays = 7;

    @Option(names = "--es-retention-interval", defaultValue = "1h", converter = DurationConverter.class,
            description = "How often the running sink applies the retention. Default: ${DEFAULT-VALUE}.")
    public Duration retentionInterval = Duration.ofHours(1);

    @Option(names = "--es-shards", defaultValue = "1",
            description = "Primary shards of each new index. Default: ${DEFAULT-VALUE}.")
    public int shards = 1;

    @Option(names = "--es-replicas", defaultValue = "0",
            description = "Replicas of each new index (0 suits a single node). Default: ${DEFAULT-VALUE}.")
    public int replicas = 0;

    /** Credentials and CA of the Elasticsearch nodes (--es-user, --es-api-key-file, --es-ca). */
    @CommandLine.Mixin
    public EsSecurityOptions security = new EsSecurityOptions();

    public enum IndexPeriod { DAILY, MONTHLY }

    public enum Backoff { EXPONENTIAL, CONSTANT, NONE }

    public static EsSinkOptions defaults() {
        return new EsSinkOptions();
    }

    public EsSinkOptions hosts(String... urls) {
        this.hosts = new ArrayList<>(List.of(urls));
        return this;
    }

    public IndexNames indexNames() {
        return new IndexNames(indexPrefix, indexPeriod);
    }

    public HttpHost[] httpHosts() {
        return hosts.stream().map(String::trim).filter(s -> !s.isEmpty()).map(HttpHost::create)
                .toArray(HttpHost[]::new);
    }

    public static class PeriodConverter implements CommandLine.ITypeConverter<IndexPeriod> {
        @Override
        public IndexPeriod convert(String value) {
            return IndexPeriod.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        }
    }

    public static class BackoffConverter implements CommandLine.ITypeConverter<Backoff> {
        @Override
        public Backoff convert(String value) {
            return Backoff.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** akmon's one duration grammar, as every other option. */
    public static class DurationConverter extends io.akmon.flink.config.JobOptions.DurationConverter {
    }
}

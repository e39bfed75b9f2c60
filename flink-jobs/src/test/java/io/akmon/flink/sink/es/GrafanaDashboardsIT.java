package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.EmbeddedElasticsearch;
import io.akmon.flink.alert.Alert;
import io.akmon.flink.alert.AlertJob;
import io.akmon.flink.alert.AlertTopology;
import io.akmon.flink.alert.Fact;
import io.akmon.flink.alert.Facts;
import io.akmon.flink.AggregationJob;
import io.akmon.flink.config.JobOptions;
import io.akmon.flink.ingest.Envelope;
import io.akmon.flink.ingest.Event;
import io.akmon.flink.testing.Workload;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The provisioned Grafana dashboards against what the pipeline really stores. A real Elasticsearch 7.10
 * node is filled through the jobs' Elasticsearch sinks, on MiniClusters:
 * <ul>
 *   <li>the last hour: {@link AggregateFixtures} aggregates by the {@link SinkPipeline} job, and the alerts
 *   the default rules fire over them (as the alert job computes them);</li>
 *   <li>the {@link Workload} stretch of 2026-01-01: the aggregation job itself over generated agent records,
 *   at both resolutions.</li>
 * </ul>
 * Then every target of every panel of every dashboard file is sent as the search Grafana would send, over
 * each stretch, and must draw something.
 */
class GrafanaDashboardsIT {
    static final int WINDOWS = 30;
    static final Path REPO = repositoryRoot();
    static final Path PROVISIONING = REPO.resolve("grafana/provisioning");
    static final Path DASHBOARDS = PROVISIONING.resolve("dashboards");
    static final String COMPOSE_ES_URL = "http://elasticsearch:9200";
    /** Lowered thresholds so the fixtures' processes and hosts fire the default cpu and memory rules. */
    static final Map<String, String> ALERT_PARAMS = Map.of("cpu_pct", "20",
            "memory_total_bytes", Long.toString(1L << 30), "memory_pct", "10");

    static final int JOB_HOSTS = 2;
    static final int JOB_PROCESSES = 3;
    static final long JOB_SEED = 11;

    static EmbeddedElasticsearch es;
    static EsClient client;
    static EsSinkOptions options;
    static List<DataSet> dataSets;

    /**
     * A stretch of stored documents the dashboards are checked over, with the values its variables take.
     * Alert panels are checked only where alerts were written.
     */
    record DataSet(String name, long from, long to, List<String> hosts, List<String> comms,
                   List<String> resolutions, boolean hasAlerts, boolean hasSessions, List<String> parents) {
    }

    @BeforeAll
    static void fillElasticsearch() throws Exception {
        es = EmbeddedElasticsearch.start();
        client = EsClient.connect(es.httpUrl());
        options = EsSinkOptions.defaults().hosts(es.httpUrl());
        options.retentionDays = 0;
        options.flushInterval = Duration.ofMillis(200);

        long end = System.currentTimeMillis();
        SinkPipeline.run(options, end, WINDOWS);
        writeAlerts(new AggregateFixtures(end, WINDOWS));
        runAggregationJob();
        client.call("POST", "/" + alias(IndexNames.METRICS) + "," + alias(IndexNames.ALERTS) + "/_refresh", null);

        Workload workload = workload();
        dataSets = List.of(
                new DataSet("sink fixtures, last hour", end - 3_600_000, end + 60_000,
                        List.of(AggregateFixtures.HOSTS), List.of(AggregateFixtures.COMMS), List.of("10s"), true,
                        false, List.of()),
                new DataSet("aggregation job over the workload", Workload.T0 - 60_000,
                        Workload.T0 + Workload.SPAN + 120_000,
                        distinct(workload, e -> e.host), distinct(workload, e -> e.comm), List.of("10s", "1m"), false,
                        true, distinct(workload, e -> e.type.equals("fork") ? Integer.toString(e.ppid) : null)));
    }

    static Workload workload() {
        return new Workload(JOB_HOSTS, JOB_PROCESSES, JOB_SEED);
    }

    static List<String> distinct(Workload workload, Function<Event, String> value) {
        return workload.unique.stream().map(value).filter(Objects::nonNull).distinct().sorted().toList();
    }

    /** The aggregation job over the workload's records (as read from Kafka: out of order, duplicated). */
    static void runAggregationJob() throws Exception {
        JobOptions job = JobOptions.parse("--parallelism", "1", "--checkpoint-interval", "500ms",
                "--job-name", "grafana-workload");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataGeneratorSource<Envelope> records = new DataGeneratorSource<>(new WorkloadRecords(),
                workload().sendOrder.size(), TypeInformation.of(Envelope.class));
        new AggregationJob(job, records, ElasticsearchSinks.aggregates(options), new DiscardingSink<>()).execute(env);
    }

    /** The i-th record the workload sends; the workload is regenerated from its seed on each reader. */
    static final class WorkloadRecords implements GeneratorFunction<Long, Envelope> {
        private static final long serialVersionUID = 1L;
        private transient List<Event> sendOrder;

        @Override
        public void open(SourceReaderContext readerContext) {
            sendOrder = workload().sendOrder;
        }

        @Override
        public Envelope map(Long index) {
            return Envelope.of(sendOrder.get(index.intValue()));
        }
    }

    @AfterAll
    static void stopElasticsearch() {
        if (client != null) {
            client.close();
        }
        if (es != null) {
            es.close();
        }
    }

    /** The alert job's topology (facts -> default rules -> throttle) on a MiniCluster, into the alerts sink. */
    static void writeAlerts(AggregateFixtures fixtures) throws Exception {
        List<Fact> facts = new ArrayList<>(fixtures.all(WINDOWS).stream().map(Facts::of).toList());
        facts.sort(Comparator.comparingLong(f -> f.timestamp));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        DataStream<Fact> stream = env.fromData(facts, TypeInformation.of(Fact.class)).setParallelism(1)
                .assignTimestampsAndWatermarks(WatermarkStrategy.<Fact>forMonotonousTimestamps()
                        .withTimestampAssigner((f, ts) -> f.timestamp)).setParallelism(1);
        AlertTopology.alerts(stream, AlertJob.defaultRules(ALERT_PARAMS))
                .sinkTo(ElasticsearchSinks.<Alert>alerts(options, a -> a.id, a -> a.timestamp)).name("es-alerts");
        env.execute("grafana-alerts-fixture");
    }

    static String alias(String family) {
        return options.indexNames().alias(family);
    }

    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docker-compose.yml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no docker-compose.yml above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file)) {
            return new Yaml().load(in);
        }
    }

    /** The provisioned datasources by uid. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> datasources() throws IOException {
        Map<String, Map<String, Object>> byUid = new LinkedHashMap<>();
        for (Object ds : (List<Object>) yaml(PROVISIONING.resolve("datasources/elasticsearch.yaml")).get("datasources")) {
            Map<String, Object> d = (Map<String, Object>) ds;
            byUid.put((String) d.get("uid"), d);
        }
        return byUid;
    }

    /** The index (alias) a datasource reads. */
    @SuppressWarnings("unchecked")
    static String index(Map<String, Object> datasource) {
        return (String) ((Map<String, Object>) datasource.get("jsonData")).get("index");
    }

    record Dashboard(String file, JsonNode json) {
        String title() {
            return json.path("title").asText(file);
        }
    }

    static List<Dashboard> dashboards() throws IOException {
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            List<Dashboard> list = new ArrayList<>();
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                list.add(new Dashboard(f.getFileName().toString(), GrafanaSearch.MAPPER.readTree(f.toFile())));
            }
            return list;
        }
    }

    /** Panels including those nested in collapsed rows. */
    static List<JsonNode> panels(Dashboard d) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode p : d.json().path("panels")) {
            all.add(p);
            p.path("panels").forEach(all::add);
        }
        return all;
    }

    /** The uid of the datasource a target queries (its own, else its panel's). */
    static String datasourceUid(JsonNode panel, JsonNode target) {
        JsonNode ds = target.has("datasource") ? target.path("datasource") : panel.path("datasource");
        return ds.path("uid").asText();
    }

    @Test
    void provisioningMatchesComposeAndTheSinkAliases() throws Exception {
        Map<String, Object> compose = yaml(REPO.resolve("docker-compose.yml"));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        assertTrue(services.containsKey("elasticsearch"), "compose has the elasticsearch service");
        assertTrue(String.valueOf(services.get("grafana").get("volumes"))
                .contains("./grafana/provisioning:/etc/grafana/provisioning"), "compose mounts grafana/provisioning");

        Map<String, Map<String, Object>> datasources = datasources();
        assertEquals(Set.of(alias(IndexNames.METRICS), alias(IndexNames.ALERTS)),
                datasources.values().stream().map(GrafanaDashboardsIT::index).collect(Collectors.toSet()),
                "the datasources read the sink's aliases");
        for (Map<String, Object> d : datasources.values()) {
            assertEquals("elasticsearch", d.get("type"), d.get("name") + ": type");
            assertEquals(COMPOSE_ES_URL, d.get("url"), d.get("name") + ": url");
            @SuppressWarnings("unchecked")
            Map<String, Object> jsonData = (Map<String, Object>) d.get("jsonData");
            assertEquals("timestamp", jsonData.get("timeField"), d.get("name") + ": timeField");
            assertEquals("7.10.0", String.valueOf(jsonData.get("esVersion")), d.get("name") + ": esVersion");
        }

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> providers = (List<Map<String, Object>>) yaml(DASHBOARDS.resolve("dashboards.yaml")).get("providers");
        @SuppressWarnings("unchecked")
        Map<String, Object> providerOptions = (Map<String, Object>) providers.get(0).get("options");
        assertEquals("/etc/grafana/provisioning/dashboards", providerOptions.get("path"),
                "the provider reads the directory the dashboards are mounted at");

        List<Dashboard> dashboards = dashboards();
        assertEquals(9, dashboards.size(), "dashboards: " + dashboards.stream().map(Dashboard::file).toList());
        Set<String> uids = new TreeSet<>();
        for (Dashboard d : dashboards) {
            assertTrue(uids.add(d.json().path("uid").asText()), d.title() + ": uid not unique");
            assertEquals("10s", d.json().path("refresh").asText(), d.title() + ": refresh");
            assertEquals("now-1h", d.json().path("time").path("from").asText(), d.title() + ": time range");
            for (JsonNode panel : panels(d)) {
                for (JsonNode target : panel.path("targets")) {
                    assertTrue(datasources.containsKey(datasourceUid(panel, target)),
                            d.title() + " / " + panel.path("title").asText() + ": unknown datasource uid "
                                    + datasourceUid(panel, target));
                }
            }
            for (JsonNode variable : d.json().path("templating").path("list")) {
                if (variable.path("type").asText().equals("query")) {
                    assertTrue(datasources.containsKey(variable.path("datasource").path("uid").asText()),
                            d.title() + ": variable " + variable.path("name").asText() + " has an unknown datasource");
                }
            }
        }
    }

    @Test
    void everyFieldADashboardReferencesIsInTheTemplateMapping() throws Exception {
        Map<String, Map<String, Object>> datasources = datasources();
        List<String> missing = new ArrayList<>();
        for (Dashboard d : dashboards()) {
            for (JsonNode panel : panels(d)) {
                String title = panel.path("title").asText();
                for (JsonNode target : panel.path("targets")) {
                    String family = family(index(datasources.get(datasourceUid(panel, target))));
                    for (String field : GrafanaSearch.fields(target)) {
                        if (!mapped(family, field)) {
                            missing.add(d.title() + " / " + title + ": field " + field + " not in the " + family + " mapping");
                        }
                    }
                    // Table columns picked by an "organize" transformation must be fields too.
                    for (JsonNode t : panel.path("transformations")) {
                        t.path("options").path("includeByName").fieldNames().forEachRemaining(field -> {
                            if (!mapped(family, field)) {
                                missing.add(d.title() + " / " + title + ": column " + field + " not in the " + family + " mapping");
                            }
                        });
                    }
                }
            }
            for (JsonNode variable : d.json().path("templating").path("list")) {
                if (variable.path("type").asText().equals("query")) {
                    JsonNode query = variableQuery(variable);
                    String family = family(index(datasources.get(variable.path("datasource").path("uid").asText())));
                    List<String> fields = new ArrayList<>(GrafanaSearch.queryFields(query.path("query").asText("")));
                    fields.add(query.path("field").asText());
                    for (String field : fields) {
                        if (!mapped(family, field)) {
                            missing.add(d.title() + " / variable " + variable.path("name").asText() + ": field " + field
                                    + " not in the " + family + " mapping");
                        }
                    }
                }
            }
        }
        assertTrue(missing.isEmpty(), "fields missing from the mappings:\n  " + String.join("\n  ", missing));
    }

    static String family(String alias) {
        for (String family : IndexNames.FAMILIES) {
            if (alias(family).equals(alias)) {
                return family;
            }
        }
        throw new AssertionError("datasource index " + alias + " is not an akmon alias");
    }

    /** Whether a (dotted) field is declared by the family's template mapping. */
    static boolean mapped(String family, String field) {
        JsonNode node = IndexTemplates.mappings(family);
        for (String part : field.split("\\.")) {
            node = node.path("properties").path(part);
            if (node.isMissingNode()) {
                return false;
            }
        }
        return true;
    }

    @Test
    void templateVariablesListTheKnownHostsAndProcesses() throws Exception {
        for (DataSet data : dataSets) {
            templateVariablesList(data);
        }
    }

    static void templateVariablesList(DataSet data) throws IOException {
        Map<String, Map<String, Object>> datasources = datasources();
        for (Dashboard d : dashboards()) {
            for (JsonNode variable : d.json().path("templating").path("list")) {
                if (!variable.path("type").asText().equals("query")) {
                    continue;
                }
                String name = variable.path("name").asText();
                String index = index(datasources.get(variable.path("datasource").path("uid").asText()));
                List<String> expected = switch (name) {
                    case "host" -> data.hosts();
                    case "process" -> data.comms();
                    default -> throw new AssertionError(d.title() + ": unexpected variable " + name);
                };
                JsonNode query = variableQuery(variable);
                for (Map<String, String> values : variableValues(GrafanaSearch.variables(query.path("query").asText()), data)) {
                    Set<String> terms = termsOf(index, query, values, data);
                    assertEquals(new TreeSet<>(expected), terms,
                            d.title() + ": variable " + name + " with " + values + " (" + data.name() + ")");
                }
            }
        }
    }

    /** A query variable's query: JSON text, e.g. {@code {"find": "terms", "field": "host", "query": "kind:host"}}. */
    static JsonNode variableQuery(JsonNode variable) {
        try {
            JsonNode query = GrafanaSearch.MAPPER.readTree(variable.path("query").asText());
            assertEquals("terms", query.path("find").asText(), "variable " + variable.path("name").asText());
            return query;
        } catch (IOException e) {
            throw new AssertionError("variable " + variable.path("name").asText() + ": query is not JSON text", e);
        }
    }

    /** What a {"find": "terms"} variable query lists over the data set's stretch. */
    static Set<String> termsOf(String index, JsonNode query, Map<String, String> values, DataSet data) {
        var body = GrafanaSearch.filtered("timestamp",
                GrafanaSearch.interpolate(query.path("query").asText(""), values), data.from(), data.to());
        body.put("size", 0);
        body.putObject("aggs").putObject("values").putObject("terms")
                .put("field", query.path("field").asText()).put("size", query.path("size").asInt(500))
                .putObject("order").put("_key", "asc");
        JsonNode response = client.call("POST", "/" + index + "/_search", body);
        Set<String> terms = new TreeSet<>();
        response.path("aggregations").path("values").path("buckets").forEach(b -> terms.add(b.path("key").asText()));
        return terms;
    }

    /**
     * The values tried for a variable, in groups: a query must show data for every group with at least one
     * of its values. Each host and All must show data; a specific process must for some known process (a
     * panel of exits rightly stays empty for a process that never exited).
     */
    static List<List<String>> valueGroups(String name, DataSet data) {
        return switch (name) {
            case "host" -> concat(data.hosts(), "*").stream().map(List::of).toList();
            case "process" -> List.of(data.comms(), List.of("*"));
            case "resolution" -> data.resolutions().stream().map(List::of).toList();
            case "parent" -> List.of(data.parents(), List.of("*"));
            default -> throw new AssertionError("no test values for $" + name);
        };
    }

    /** Each combination of value groups of the variables a query uses, expanded to its alternative values. */
    static List<List<Map<String, String>>> variableCases(Set<String> names, DataSet data) {
        List<List<Map<String, String>>> cases = new ArrayList<>(List.of(List.of(Map.of())));
        for (String name : names) {
            List<List<Map<String, String>>> next = new ArrayList<>();
            for (List<Map<String, String>> alternatives : cases) {
                for (List<String> group : valueGroups(name, data)) {
                    List<Map<String, String>> expanded = new ArrayList<>();
                    for (Map<String, String> values : alternatives) {
                        for (String value : group) {
                            Map<String, String> m = new LinkedHashMap<>(values);
                            m.put(name, value);
                            expanded.add(m);
                        }
                    }
                    next.add(expanded);
                }
            }
            cases = next;
        }
        return cases;
    }

    /** Every single assignment of values a query uses. */
    static List<Map<String, String>> variableValues(Set<String> names, DataSet data) {
        return variableCases(names, data).stream().flatMap(List::stream).toList();
    }

    static List<String> concat(List<String> values, String extra) {
        List<String> list = new ArrayList<>(values);
        list.add(extra);
        return list;
    }

    /** The variables of a target's query and of its bucket settings (e.g. a histogram interval of $resolution). */
    static Set<String> variablesUsed(JsonNode target) {
        Set<String> names = new LinkedHashSet<>(GrafanaSearch.variables(target.path("query").asText("")));
        for (JsonNode bucket : target.path("bucketAggs")) {
            names.addAll(GrafanaSearch.variables(bucket.path("settings").toString()));
        }
        return names;
    }

    /**
     * The aggregation job's session documents as Elasticsearch stores them: one per process, updated in
     * place (a live process's document was written again at each roll-up), and each total equal to what
     * Elasticsearch sums over that process's 10 s documents.
     */
    @Test
    void storedSessionsEqualTheSumOfTheirStoredWindows() {
        String metrics = alias(IndexNames.METRICS);
        JsonNode hits = client.call("POST", "/" + metrics + "/_search", Map.of("size", 1000, "version", true,
                "query", Map.of("term", Map.of("kind", "session")))).path("hits").path("hits");
        Workload workload = workload();
        Set<String> processes = workload.unique.stream().filter(e -> e.pid > 0).map(e -> e.host + "/" + e.pid)
                .collect(Collectors.toCollection(TreeSet::new));
        workload.unique.stream().filter(e -> e.type.equals("fork")).forEach(e -> processes.add(e.host + "/" + e.ppid));
        Set<String> sessions = new TreeSet<>();
        long updatedInPlace = 0;
        for (JsonNode hit : hits) {
            JsonNode s = hit.path("_source");
            String host = s.path("host").asText();
            long pid = s.path("pid").asLong();
            assertTrue(sessions.add(host + "/" + pid), "one session per process: " + host + "/" + pid);
            updatedInPlace += hit.path("_version").asLong() > 1 ? 1 : 0;
            Map<String, Object> aggs = new LinkedHashMap<>();
            for (String f : List.of("records", "on_cpu_ns", "syscall_count", "syscall_errors", "disk_read_bytes",
                    "disk_write_bytes", "net_bytes_sent", "net_bytes_received", "page_faults", "children_forked")) {
                aggs.put(f, Map.of("sum", Map.of("field", f)));
            }
            aggs.put("rss_max_bytes", Map.of("max", Map.of("field", "rss_max_bytes")));
            JsonNode windows = client.call("POST", "/" + metrics + "/_search", Map.of("size", 0,
                    "query", Map.of("bool", Map.of("filter", List.of(Map.of("term", Map.of("kind", "process")),
                            Map.of("term", Map.of("resolution", "10s")), Map.of("term", Map.of("host", host)),
                            Map.of("term", Map.of("pid", pid)),
                            Map.of("range", Map.of("timestamp", Map.of("gte", s.path("timestamp").asLong(),
                                    "lt", s.path("window_end").asLong())))))),
                    "aggs", aggs)).path("aggregations");
            for (String f : aggs.keySet()) {
                assertEquals(windows.path(f).path("value").asLong(), s.path(f).asLong(),
                        hit.path("_id").asText() + " " + f + " against its windows");
            }
            if (s.path("exe").isTextual()) {
                assertEquals("/usr/bin/" + s.path("comm").asText(), s.path("exe").asText());
            }
        }
        assertEquals(processes, sessions, "every process and every parent has its session");
        assertTrue(updatedInPlace > 0, "live sessions are updated in place at the roll-ups");
    }

    @Test
    void everyPanelOfEveryDashboardShowsData() throws Exception {
        List<String> empty = new ArrayList<>();
        int searches = 0;
        for (DataSet data : dataSets) {
            searches += checkPanels(data, empty);
        }
        if (!empty.isEmpty()) {
            fail("panels without data (" + empty.size() + " of " + searches + " searches):\n  " + String.join("\n  ", empty));
        }
        assertTrue(searches > 100, "searches run: " + searches);
    }

    /** Sends every target over the data set's stretch; adds what draws nothing to {@code empty}; returns the searches run. */
    static int checkPanels(DataSet data, List<String> empty) throws IOException {
        Map<String, Map<String, Object>> datasources = datasources();
        int searches = 0;
        for (Dashboard d : dashboards()) {
            List<JsonNode> panels = panels(d);
            assertFalse(panels.isEmpty(), d.title() + " has no panels");
            for (JsonNode panel : panels) {
                if (panel.path("type").asText().equals("row")) {
                    continue;
                }
                String title = panel.path("title").asText();
                JsonNode targets = panel.path("targets");
                if (targets.isEmpty()) {
                    empty.add(d.title() + " / " + title + ": no targets");
                }
                for (JsonNode target : targets) {
                    String index = index(datasources.get(datasourceUid(panel, target)));
                    if (family(index).equals(IndexNames.ALERTS) && !data.hasAlerts()) {
                        continue;
                    }
                    // Session documents come from the aggregation job only, not from the sink's fixtures.
                    if (target.path("query").asText("").contains("kind:session") && !data.hasSessions()) {
                        continue;
                    }
                    for (List<Map<String, String>> alternatives : variableCases(variablesUsed(target), data)) {
                        List<String> problems = new ArrayList<>();
                        for (Map<String, String> values : alternatives) {
                            JsonNode response = client.call("POST", "/" + index + "/_search",
                                    GrafanaSearch.request(target, values, data.from(), data.to()));
                            searches++;
                            List<String> p = GrafanaSearch.emptiness(target, response);
                            if (p.isEmpty()) {
                                problems.clear();
                                break;
                            }
                            p.forEach(problem -> problems.add(d.title() + " / " + title + " / "
                                    + target.path("refId").asText() + " " + values + " (" + data.name() + "): " + problem));
                        }
                        empty.addAll(problems);
                    }
                }
            }
        }
        return searches;
    }
}

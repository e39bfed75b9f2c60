package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code _search} request Grafana's Elasticsearch datasource sends for a panel target (its query
 * model: Lucene {@code query}, {@code metrics}, nested {@code bucketAggs}), and what "the panel shows
 * data" means for the response. Follows Grafana 10's query builder closely enough that a target which
 * passes here draws in Grafana: same filters, same aggregation tree, same ordering by metrics.
 */
final class GrafanaSearch {
    static final ObjectMapper MAPPER = new ObjectMapper();
    /** Field names in a Lucene query: {@code name:} not preceded by another name character. */
    private static final Pattern QUERY_FIELD = Pattern.compile("(?<![\\w.\\\\])([A-Za-z_][\\w.]*):");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)}|\\$(\\w+)");
    /** Grafana's luceneEscape: every character Lucene treats as syntax. */
    private static final Pattern LUCENE_SPECIAL = Pattern.compile("([!*+\\-=<>\\s&|()\\[\\]{}^~?:\\\\/\"])");
    /** The datasource's timeInterval: the finest bucket worth drawing (the 10 s window). */
    static final long MIN_INTERVAL_MS = 10_000;
    /** Grafana draws at most about one point per pixel of a ~1000 px wide panel. */
    static final int MAX_DATA_POINTS = 1000;

    private GrafanaSearch() {
    }

    /** A template variable's value as Grafana interpolates it into a Lucene query. */
    static String luceneValue(String value) {
        return value.equals("*") ? value : LUCENE_SPECIAL.matcher(value).replaceAll("\\\\$1");
    }

    /** The Lucene query with {@code $name} and {@code ${name}} replaced; an unknown variable is an error. */
    static String interpolate(String query, Map<String, String> variables) {
        return replaceVariables(query, variables, GrafanaSearch::luceneValue);
    }

    /** A setting (not a Lucene query, e.g. a histogram interval) with its variables replaced as they are. */
    static String interpolateRaw(String text, Map<String, String> variables) {
        return replaceVariables(text, variables, UnaryOperator.identity());
    }

    private static String replaceVariables(String text, Map<String, String> variables, UnaryOperator<String> format) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String value = variables.get(name);
            if (value == null) {
                throw new IllegalArgumentException("no value for $" + name + " in " + text);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(format.apply(value)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The variables a query uses. */
    static Set<String> variables(String query) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = VARIABLE.matcher(query);
        while (m.find()) {
            names.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return names;
    }

    /** Fields a Lucene query filters on. */
    static List<String> queryFields(String query) {
        List<String> fields = new ArrayList<>();
        Matcher m = QUERY_FIELD.matcher(query);
        while (m.find()) {
            fields.add(m.group(1));
        }
        return fields;
    }

    /** Every field a target reads: query filters, bucket fields and metric fields. */
    static List<String> fields(JsonNode target) {
        List<String> fields = new ArrayList<>(queryFields(target.path("query").asText("")));
        fields.add(target.path("timeField").asText("timestamp"));
        for (JsonNode agg : target.path("bucketAggs")) {
            fields.add(agg.path("field").asText());
        }
        for (JsonNode metric : target.path("metrics")) {
            if (metric.hasNonNull("field")) {
                fields.add(metric.path("field").asText());
            }
        }
        return fields;
    }

    static boolean isDocumentQuery(JsonNode target) {
        String type = target.path("metrics").path(0).path("type").asText();
        return type.equals("raw_data") || type.equals("raw_document") || type.equals("logs");
    }

    /** The {@code size: 0} filter part every Grafana search shares. */
    static ObjectNode filtered(String timeField, String luceneQuery, long fromMillis, long toMillis) {
        ObjectNode body = MAPPER.createObjectNode();
        ArrayNode filter = body.putObject("query").putObject("bool").putArray("filter");
        filter.addObject().putObject("range").putObject(timeField)
                .put("gte", fromMillis).put("lte", toMillis).put("format", "epoch_millis");
        if (!luceneQuery.isBlank()) {
            filter.addObject().putObject("query_string").put("analyze_wildcard", true).put("query", luceneQuery);
        }
        return body;
    }

    /** The search body for one target over [from, to] with the given variable values. */
    static ObjectNode request(JsonNode target, Map<String, String> variables, long fromMillis, long toMillis) {
        String timeField = target.path("timeField").asText("timestamp");
        ObjectNode body = filtered(timeField, interpolate(target.path("query").asText(""), variables),
                fromMillis, toMillis);
        JsonNode metrics = target.path("metrics");
        if (isDocumentQuery(target)) {
            JsonNode settings = metrics.path(0).path("settings");
            int size = Integer.parseInt(settings.path("size").asText(settings.path("limit").asText("500")));
            body.put("size", size);
            body.putArray("sort").addObject().putObject(timeField)
                    .put("order", "desc").put("unmapped_type", "boolean");
            return body;
        }
        body.put("size", 0);
        ObjectNode level = body;
        for (JsonNode bucket : target.path("bucketAggs")) {
            ObjectNode agg = childAggs(level).putObject(bucket.path("id").asText());
            bucketAggregation(agg, bucket, metrics, variables, fromMillis, toMillis);
            level = agg;
        }
        ObjectNode aggs = childAggs(level);
        for (JsonNode metric : metrics) {
            if (!metric.path("type").asText().equals("count")) {
                aggs.set(metric.path("id").asText(), metricAggregation(metric));
            }
        }
        if (aggs.isEmpty()) {
            level.remove("aggs");
        }
        return body;
    }

    private static ObjectNode childAggs(ObjectNode level) {
        return level.has("aggs") ? (ObjectNode) level.get("aggs") : level.putObject("aggs");
    }

    private static void bucketAggregation(ObjectNode agg, JsonNode bucket, JsonNode metrics,
                                          Map<String, String> variables, long from, long to) {
        JsonNode settings = bucket.path("settings");
        String field = bucket.path("field").asText();
        switch (bucket.path("type").asText()) {
            case "date_histogram" -> {
                ObjectNode h = agg.putObject("date_histogram");
                h.put("field", field);
                String setting = settings.path("interval").asText("auto");
                h.put("fixed_interval", interval(interpolateRaw(setting, variables), from, to));
                h.put("min_doc_count", Integer.parseInt(settings.path("min_doc_count").asText("0")));
                h.putObject("extended_bounds").put("min", from).put("max", to);
                h.put("format", "epoch_millis");
            }
            case "terms" -> {
                ObjectNode t = agg.putObject("terms");
                t.put("field", field);
                t.put("size", Integer.parseInt(settings.path("size").asText("10")));
                t.put("min_doc_count", Integer.parseInt(settings.path("min_doc_count").asText("1")));
                String orderBy = settings.path("orderBy").asText("_term");
                String order = settings.path("order").asText("desc");
                t.putObject("order").put(orderBy.equals("_term") ? "_key" : orderBy, order);
                // Ordering by a metric needs that metric computed inside the terms bucket.
                if (!orderBy.startsWith("_")) {
                    for (JsonNode metric : metrics) {
                        if (metric.path("id").asText().equals(orderBy)) {
                            childAggs(agg).set(orderBy, metricAggregation(metric));
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException("bucket aggregation not supported: " + bucket);
        }
    }

    private static ObjectNode metricAggregation(JsonNode metric) {
        String type = metric.path("type").asText();
        ObjectNode agg = MAPPER.createObjectNode();
        ObjectNode body = agg.putObject(type);
        body.put("field", metric.path("field").asText());
        if (type.equals("percentiles")) {
            ArrayNode percents = body.putArray("percents");
            metric.path("settings").path("percents").forEach(p -> percents.add(Double.parseDouble(p.asText())));
        }
        return agg;
    }

    /** Grafana's "auto" interval: the range over the max data points, never below the datasource minimum. */
    static String interval(String setting, long from, long to) {
        if (!setting.equals("auto")) {
            return setting;
        }
        long ms = Math.max(MIN_INTERVAL_MS, (to - from) / MAX_DATA_POINTS);
        return (ms / 1000) + "s";
    }

    /**
     * Why the response would draw an empty panel, or an empty list when it shows data: documents matched,
     * every bucket level has buckets, and every metric has a value in some innermost bucket.
     */
    static List<String> emptiness(JsonNode target, JsonNode response) {
        List<String> problems = new ArrayList<>();
        if (response.path("hits").path("total").path("value").asLong() == 0) {
            problems.add("no document matches");
            return problems;
        }
        if (isDocumentQuery(target)) {
            if (response.path("hits").path("hits").isEmpty()) {
                problems.add("no documents returned");
            }
            return problems;
        }
        List<JsonNode> leaves = new ArrayList<>(List.of(response.path("aggregations")));
        for (JsonNode bucket : target.path("bucketAggs")) {
            String id = bucket.path("id").asText();
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode leaf : leaves) {
                leaf.path(id).path("buckets").forEach(b -> {
                    if (b.path("doc_count").asLong() > 0) {
                        next.add(b);
                    }
                });
            }
            if (next.isEmpty()) {
                problems.add("no non-empty " + bucket.path("type").asText() + " bucket on " + bucket.path("field").asText());
                return problems;
            }
            leaves = next;
        }
        for (JsonNode metric : target.path("metrics")) {
            String type = metric.path("type").asText();
            String id = metric.path("id").asText();
            boolean hasValue = leaves.stream().anyMatch(leaf -> switch (type) {
                case "count" -> true;
                case "percentiles" -> {
                    JsonNode values = leaf.path(id).path("values");
                    boolean all = values.size() == metric.path("settings").path("percents").size();
                    for (JsonNode v : values) {
                        all &= v.isNumber();
                    }
                    yield all && !values.isEmpty();
                }
                default -> leaf.path(id).path("value").isNumber();
            });
            if (!hasValue) {
                problems.add("no value for " + type + " of " + metric.path("field").asText());
            }
        }
        return problems;
    }
}

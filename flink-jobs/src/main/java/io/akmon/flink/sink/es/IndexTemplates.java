package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The composable index templates ({@code _index_template}, ES 7.8+, no X-Pack needed): every new dated
 * index of a family gets the explicit mapping of {@code <family>-mappings.json} and joins the family's
 * read alias. Installing is idempotent and also creates the current period's index, so the aliases exist
 * (and Grafana's queries work) before the first document arrives.
 */
public final class IndexTemplates {
    private IndexTemplates() {
    }

    /** The explicit mapping of a family, as stored in the template. */
    public static ObjectNode mappings(String family) {
        String resource = family + "-mappings.json";
        try (InputStream in = IndexTemplates.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no mapping for family " + family);
            }
            return (ObjectNode) EsClient.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** The template body for a family. */
    public static ObjectNode template(EsSinkOptions options, String family) {
        IndexNames names = options.indexNames();
        ObjectNode body = EsClient.MAPPER.createObjectNode();
        body.putArray("index_patterns").add(names.pattern(family));
        body.put("priority", 100);
        ObjectNode template = body.putObject("template");
        ObjectNode settings = template.putObject("settings");
        settings.put("number_of_shards", options.shards);
        settings.put("number_of_replicas", options.replicas);
        template.set("mappings", mappings(family));
        template.putObject("aliases").putObject(names.alias(family));
        body.putObject("_meta").put("managed_by", "akmon");
        return body;
    }

    /** What {@link #install} did. */
    public static final class Installed {
        public final List<String> templates = new ArrayList<>();
        public final List<String> indicesCreated = new ArrayList<>();
        public final List<String> aliases = new ArrayList<>();
    }

    /** Puts both families' templates and creates the index of the current period when missing. */
    public static Installed install(EsClient es, EsSinkOptions options, Instant now) {
        Installed result = new Installed();
        for (String family : IndexNames.FAMILIES) {
            installFamily(es, options, family, now, result);
        }
        return result;
    }

    /** One family's template, and the index of the current period when missing (e.g. the audit indices). */
    public static Installed installFamily(EsClient es, EsSinkOptions options, String family, Instant now) {
        Installed result = new Installed();
        installFamily(es, options, family, now, result);
        return result;
    }

    private static void installFamily(EsClient es, EsSinkOptions options, String family, Instant now, Installed result) {
        IndexNames names = options.indexNames();
        String name = names.alias(family);
        es.call("PUT", "/_index_template/" + name, template(options, family));
        result.templates.add(name);
        String index = names.index(family, now.toEpochMilli());
        if (createIndex(es, index)) {
            result.indicesCreated.add(index);
        }
        result.aliases.add(name);
    }

    /** Creates an index (the template supplies mapping and alias); false if it already existed. */
    static boolean createIndex(EsClient es, String index) {
        try {
            es.call("PUT", "/" + index, EsClient.MAPPER.createObjectNode());
            return true;
        } catch (EsClient.EsException e) {
            if (e.status == 400 && e.getMessage().contains("resource_already_exists_exception")) {
                return false;
            }
            throw e;
        }
    }

    /** The mapping an existing index actually has, for checks. */
    public static JsonNode mappingOf(EsClient es, String index) {
        return es.get("/" + index + "/_mapping").path(index).path("mappings");
    }
}

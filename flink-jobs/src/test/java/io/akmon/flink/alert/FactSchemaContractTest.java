package io.akmon.flink.alert;

import io.akmon.flink.aggregate.ConnectionAggregate;
import io.akmon.flink.aggregate.DiskAggregate;
import io.akmon.flink.aggregate.HostAggregate;
import io.akmon.flink.aggregate.ProcessAggregate;
import io.akmon.flink.aggregate.SessionAggregate;
import io.akmon.flink.sink.es.IndexNames;
import io.akmon.flink.sink.es.IndexTemplates;
import io.akmon.flink.ingest.GoldenRecords;
import io.akmon.flink.ingest.RecordParser;
import io.akmon.schema.EventType;
import io.akmon.schema.contract.EventContract;
import io.akmon.schema.contract.Family;
import io.akmon.schema.contract.FieldSpec;
import io.akmon.schema.contract.JsonType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fact types follow the one table of record fields ({@link EventContract}) and the index mapping: a field
 * a rule may name on an event fact is a field of that family in the table (or one the job derives, which the
 * table lists with origin JOB), of a matching kind; the facts built from the golden records carry only
 * those fields, with values of those kinds; and every scalar field of an aggregate fact is declared by the
 * metrics mapping.
 */
class FactSchemaContractTest {
    /** Whether a fact field of this kind can hold the table's field. */
    private static boolean compatible(FactSchema.Kind kind, FieldSpec spec) {
        return switch (kind) {
            case NUMBER -> spec.type() == JsonType.INTEGER || spec.type() == JsonType.NUMBER;
            case BOOLEAN -> spec.type() == JsonType.BOOLEAN;
            // argv: the arguments joined by spaces; uid and addresses: a token when anonymised
            case STRING -> spec.type() == JsonType.STRING || spec.type() == JsonType.STRING_ARRAY || spec.tokenised();
        };
    }

    @Test
    void everyEventFactFieldIsAFieldOfItsFamilyInTheTable() {
        List<String> problems = new ArrayList<>();
        for (String type : FactSchema.types()) {
            if (FactSchema.isAggregate(type)) {
                continue;
            }
            Family family = EventContract.family(EventType.fromWire(type));
            if (family == null) {
                problems.add(type + ": the fact type is no family of the event table");
                continue;
            }
            FactSchema.fields(type).forEach((field, kind) -> {
                List<FieldSpec> specs = new ArrayList<>(family.declarations(field));
                if (EventContract.commonField(field) != null) {
                    specs.add(EventContract.commonField(field));
                }
                if (specs.isEmpty()) {
                    problems.add(type + "." + field + ": a rule may name it but the event table does not declare it for "
                            + type + "; add it to EventContract (origin JOB if the facts derive it) or drop it from FactSchema");
                }
                for (FieldSpec spec : specs) {
                    if (!compatible(kind, spec)) {
                        problems.add(type + "." + field + ": FactSchema says " + kind + ", the table " + spec.type().label()
                                + "; make them agree");
                    }
                }
            });
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void theFactsOfTheGoldenRecordsCarryTheSchemasFieldsWithTheirKinds() throws Exception {
        RecordParser parser = new RecordParser(Long.MAX_VALUE / 2);
        List<String> problems = new ArrayList<>();
        int facts = 0;
        for (Map.Entry<EventType, List<String>> family : GoldenRecords.all().entrySet()) {
            if (family.getKey() == EventType.AUDIT) {
                continue;
            }
            for (String json : family.getValue()) {
                RecordParser.Result r = parser.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                if (r.event() == null) {
                    continue; // GoldenRecordsParserTest names it
                }
                Fact f = Facts.of(r.event());
                facts++;
                Map<String, FactSchema.Kind> schema = FactSchema.fields(f.type);
                if (schema == null) {
                    continue; // a family rules cannot name (host): its facts are never matched
                }
                f.fields.forEach((field, value) -> {
                    FactSchema.Kind kind = schema.get(field);
                    if (kind == null) {
                        problems.add(f.type + "." + field + ": Facts sets it but FactSchema does not declare it");
                    } else if (value != null && !(kind == FactSchema.Kind.NUMBER ? value instanceof Number
                            : kind == FactSchema.Kind.BOOLEAN ? value instanceof Boolean : value instanceof String)) {
                        problems.add(f.type + "." + field + ": Facts sets a " + value.getClass().getSimpleName()
                                + ", FactSchema says " + kind);
                    }
                });
                com.fasterxml.jackson.databind.JsonNode record = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
                schema.keySet().forEach(field -> {
                    if (!f.fields.containsKey(field) && record.hasNonNull(field)) {
                        problems.add(f.type + "." + field + ": FactSchema declares it and the record has it, but Facts.of(Event) does not set it");
                    }
                });
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(facts > 0, "no golden records in " + GoldenRecords.dir());
    }

    @Test
    void everyAggregateFactFieldIsInTheMetricsMapping() {
        var properties = IndexTemplates.mappings(IndexNames.METRICS).path("properties");
        List<String> unmapped = new ArrayList<>();
        for (Map.Entry<String, Class<?>> kind : Map.<String, Class<?>>of(FactSchema.PROCESS_WINDOW, ProcessAggregate.class,
                FactSchema.HOST_WINDOW, HostAggregate.class, FactSchema.DISK_WINDOW, DiskAggregate.class,
                FactSchema.CONNECTION_WINDOW, ConnectionAggregate.class,
                FactSchema.PROCESS_SESSION, SessionAggregate.class).entrySet()) {
            for (String field : FactSchema.fields(kind.getKey()).keySet()) {
                // type is the fact's own; the derived rates are computed by the facts, not stored.
                if (!field.equals("type") && !field.equals("net_bits_per_sec") && !field.equals("iops")
                        && properties.path(field).isMissingNode()) {
                    unmapped.add(kind.getKey() + "." + field);
                }
            }
        }
        assertEquals(List.of(), unmapped, "aggregate fields without an explicit mapping");
    }
}

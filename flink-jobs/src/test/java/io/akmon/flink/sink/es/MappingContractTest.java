package io.akmon.flink.sink.es;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.schema.EventType;
import io.akmon.schema.contract.EventContract;
import io.akmon.schema.contract.Family;
import io.akmon.schema.contract.FieldSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The explicit index mappings against the event table: where a document field has the name of a record
 * field (the aggregates carry the process context, the audit index the audit records, alerts the common
 * fields), its Elasticsearch type can hold the table's JSON type, so a value copied from a record is never
 * refused or silently coerced.
 */
class MappingContractTest {
    private static final Set<String> TEXT = Set.of("keyword", "text", "wildcard");
    private static final Set<String> INTEGRAL = Set.of("long", "integer", "short", "byte", "unsigned_long");
    private static final Set<String> FRACTIONAL = Set.of("double", "float", "half_float", "scaled_float");

    private static boolean holds(String esType, FieldSpec spec) {
        return switch (spec.type()) {
            case STRING, STRING_ARRAY -> TEXT.contains(esType);
            case INTEGER, INTEGER_ARRAY -> INTEGRAL.contains(esType) || (spec.tokenised() && TEXT.contains(esType));
            case NUMBER -> FRACTIONAL.contains(esType);
            case BOOLEAN -> esType.equals("boolean");
            case OBJECT_ARRAY -> esType.equals("nested") || esType.equals("object");
        };
    }

    /** Checks every mapped property that names a field of these families (or a common field). */
    private static List<String> check(String index, List<Family> families) {
        List<String> problems = new ArrayList<>();
        JsonNode properties = IndexTemplates.mappings(index).path("properties");
        for (var it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            String esType = p.getValue().path("type").asText("object");
            if (esType.equals("alias") || esType.equals("date")) {
                continue; // aliases point at checked fields; dates are the documents' own times
            }
            List<String> where = new ArrayList<>();
            List<FieldSpec> specs = new ArrayList<>();
            if (EventContract.commonField(p.getKey()) != null) {
                specs.add(EventContract.commonField(p.getKey()));
                where.add("common");
            }
            for (Family f : families) {
                for (FieldSpec s : f.declarations(p.getKey())) {
                    if (s.onTheWire()) {
                        specs.add(s);
                        where.add(f.type().wireName());
                    }
                }
            }
            for (int i = 0; i < specs.size(); i++) {
                if (!holds(esType, specs.get(i))) {
                    problems.add(index + "-mappings.json " + p.getKey() + " is " + esType + " but " + where.get(i) + "."
                            + p.getKey() + " is a " + specs.get(i).type().label()
                            + (specs.get(i).tokenised() ? " (or a token)" : "") + " in the event table: make them agree");
                }
            }
        }
        return problems;
    }

    @Test
    void theMetricsMappingHoldsTheRecordFieldsTheAggregatesCarry() {
        List<Family> recordFamilies = new ArrayList<>(EventContract.families().values());
        recordFamilies.removeIf(f -> f.type() == EventType.AUDIT || f.type() == EventType.AGENT);
        assertEquals(List.of(), check(IndexNames.METRICS, recordFamilies));
    }

    @Test
    void theAuditMappingHoldsTheAuditRecordsFields() {
        assertEquals(List.of(), check(io.akmon.flink.audit.AuditIndex.FAMILY, List.of(EventContract.family(EventType.AUDIT))));
    }

    @Test
    void theAlertsMappingHoldsTheCommonFields() {
        assertEquals(List.of(), check(IndexNames.ALERTS, List.of()));
    }

    @Test
    void theCheckFindsAMismatch() {
        FieldSpec pid = EventContract.commonField("pid");
        assertTrue(!holds("keyword", pid) && holds("long", pid));
        FieldSpec uid = EventContract.family(EventType.EXEC).declarations("uid").get(0);
        assertTrue(holds("keyword", uid), "an anonymised uid is a token");
    }
}

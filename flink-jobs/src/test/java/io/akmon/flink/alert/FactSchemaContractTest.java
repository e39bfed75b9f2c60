package io.akmon.flink.alert;

import io.akmon.flink.aggregate.ConnectionAggregate;
import io.akmon.flink.aggregate.DiskAggregate;
import io.akmon.flink.aggregate.HostAggregate;
import io.akmon.flink.aggregate.ProcessAggregate;
import io.akmon.flink.aggregate.SessionAggregate;
import io.akmon.flink.sink.es.IndexNames;
import io.akmon.flink.sink.es.IndexTemplates;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fact types follow the one table of record fields ({@link Fields}) and the index mapping: a field
 * a rule may name on an event fact is a field of the records (or one of the few the facts derive), and
 * every scalar field of an aggregate fact is declared by the metrics mapping.
 */
class FactSchemaContractTest {
    /** Fields the facts compute from a record rather than read from it. */
    private static final Set<String> DERIVED = Set.of("cpu_pct", "iops");

    private static Set<String> recordFields() throws IllegalAccessException {
        Set<String> names = new TreeSet<>();
        for (Field f : Fields.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                names.add((String) f.get(null));
            }
        }
        return names;
    }

    @Test
    void everyEventFactFieldIsARecordField() throws Exception {
        Set<String> fields = recordFields();
        List<String> unknown = new ArrayList<>();
        for (String type : FactSchema.types()) {
            if (FactSchema.isAggregate(type)) {
                continue;
            }
            for (String field : FactSchema.fields(type).keySet()) {
                if (!fields.contains(field) && !DERIVED.contains(field)) {
                    unknown.add(type + "." + field);
                }
            }
        }
        assertEquals(List.of(), unknown, "event fact fields that io.akmon.schema.Fields does not name");
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

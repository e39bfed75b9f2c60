package io.akmon.schema.contract;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Holds one JSON record to {@link EventContract}: every field it carries is in the table for its family
 * and variant, with the table's type and one of its values; every field the table requires is there.
 * Each problem is one line that names the field and the fix.
 */
public final class RecordCheck {
    private static final String TABLE = "io.akmon.schema.contract.EventContract";

    private RecordCheck() {
    }

    /** The problems of a record; empty when it follows the table. */
    public static List<String> problems(JsonNode record) {
        List<String> out = new ArrayList<>();
        if (record == null || !record.isObject()) {
            out.add("not a JSON object");
            return out;
        }
        String typeName = record.path(Fields.TYPE).asText(null);
        EventType type = EventType.fromWire(typeName);
        if (type == null) {
            out.add("type '" + typeName + "' is not a family of io.akmon.schema.EventType");
            return out;
        }
        Family family = EventContract.family(type);
        if (family == null) {
            out.add("family " + typeName + " has no entry in " + TABLE + ": add its fields there");
            return out;
        }
        String variant = family.variantField() == null ? null : record.path(family.variantField()).asText(null);
        if (family.variantField() != null && variant != null && !family.variants().contains(variant)) {
            out.add(typeName + "." + family.variantField() + " value '" + variant + "' is not among the table's "
                    + family.variants() + ": add it to " + TABLE + " (and README's event schema)");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = record.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            FieldSpec spec = EventContract.commonField(e.getKey());
            if (spec == null) {
                spec = family.field(e.getKey(), variant);
            }
            String where = typeName + (variant == null ? "" : "(" + family.variantField() + "=" + variant + ")")
                    + "." + e.getKey();
            if (spec == null) {
                out.add(where + " is not in the event table: add it to " + TABLE
                        + " (type, unit, origin) and to README's event schema, or stop sending it");
                continue;
            }
            if (!spec.onTheWire()) {
                out.add(where + " is derived by the job and must not be sent: the table says origin " + spec.origin());
                continue;
            }
            checkValue(where, spec, e.getValue(), out);
        }
        List<FieldSpec> required = new ArrayList<>(EventContract.common());
        required.addAll(family.fields());
        for (FieldSpec spec : required) {
            if (spec.optional() || !spec.onTheWire() || !spec.appliesTo(variant) || record.has(spec.name())) {
                continue;
            }
            out.add(typeName + (variant == null ? "" : "(" + family.variantField() + "=" + variant + ")") + "."
                    + spec.name() + " is missing, the table requires it: fill it, or mark it optional in " + TABLE);
        }
        return out;
    }

    private static void checkValue(String where, FieldSpec spec, JsonNode v, List<String> out) {
        if (v.isNull()) {
            if (!spec.optional()) {
                out.add(where + " is null, the table requires a " + spec.type().label() + ": fill it, or mark it optional");
            }
            return;
        }
        if (spec.tokenised() && v.isTextual() && spec.type() != JsonType.STRING) {
            return; // an anonymisation token in place of the value
        }
        if (!matches(spec.type(), v)) {
            out.add(where + " is " + describe(v) + ", the table says " + spec.type().label()
                    + ": fix the code that fills it, or the table");
            return;
        }
        if (!spec.values().isEmpty() && !spec.values().contains(v.asText())) {
            out.add(where + " value '" + v.asText() + "' is not among the table's " + spec.values() + ": add it to "
                    + TABLE + (spec.cEnum() == null ? "" : " (and enum " + spec.cEnum() + " of bpf-src/akmon.h)"));
        }
        if (spec.type() == JsonType.OBJECT_ARRAY) {
            for (JsonNode element : v) {
                for (Iterator<Map.Entry<String, JsonNode>> it = element.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    FieldSpec item = spec.items().stream().filter(i -> i.name().equals(e.getKey())).findFirst().orElse(null);
                    if (item == null) {
                        out.add(where + "[]." + e.getKey() + " is not in the event table: add it to the items of "
                                + spec.name() + " in " + TABLE);
                    } else {
                        checkValue(where + "[]." + e.getKey(), item, e.getValue(), out);
                    }
                }
                for (FieldSpec item : spec.items()) {
                    if (!item.optional() && !element.has(item.name())) {
                        out.add(where + "[]." + item.name() + " is missing, the table requires it");
                    }
                }
            }
        }
    }

    private static boolean matches(JsonType type, JsonNode v) {
        return switch (type) {
            case STRING -> v.isTextual();
            case INTEGER -> v.isIntegralNumber();
            case NUMBER -> v.isNumber();
            case BOOLEAN -> v.isBoolean();
            case STRING_ARRAY -> v.isArray() && all(v, JsonNode::isTextual);
            case INTEGER_ARRAY -> v.isArray() && all(v, JsonNode::isIntegralNumber);
            case OBJECT_ARRAY -> v.isArray() && all(v, JsonNode::isObject);
        };
    }

    private static boolean all(JsonNode array, java.util.function.Predicate<JsonNode> p) {
        for (JsonNode e : array) {
            if (!p.test(e)) {
                return false;
            }
        }
        return true;
    }

    private static String describe(JsonNode v) {
        if (v.isTextual()) {
            return "a string";
        }
        if (v.isIntegralNumber()) {
            return "an integer";
        }
        if (v.isNumber()) {
            return "a non-integral number";
        }
        if (v.isBoolean()) {
            return "a boolean";
        }
        if (v.isArray()) {
            return "an array";
        }
        return v.isObject() ? "an object" : v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
}

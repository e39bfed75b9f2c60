package io.akmon.schema.contract;

import java.util.List;
import java.util.Set;

/**
 * One field of a record family, as {@link EventContract} declares it.
 *
 * @param name      the JSON name
 * @param type      its JSON type
 * @param unit      e.g. {@code ns}, {@code bytes}, {@code count}; empty when it has none
 * @param values    the values it may take (an enum), as their JSON text; empty when any value of its type
 * @param cEnum     the enum of bpf-src/akmon.h its kernel values come from, e.g. {@code akmon_drop_reason}; or null
 * @param origin    who fills it
 * @param variants  the values of the family's variant field on which the field appears; empty: on all
 * @param optional  true when a record of those variants may leave it out
 * @param tokenised true when the agent's anonymisation may put a string token in its place
 * @param items     for an array of objects: the fields of each element
 * @param meaning   one line for the README
 */
public record FieldSpec(String name, JsonType type, String unit, List<String> values, String cEnum, Origin origin,
                        Set<String> variants, boolean optional, boolean tokenised, List<FieldSpec> items,
                        String meaning) {

    /** Whether the field belongs to a record whose variant field has this value (null: the family has none). */
    public boolean appliesTo(String variant) {
        return variants.isEmpty() || variant == null || variants.contains(variant);
    }

    /** Fields the job derives are never on the wire. */
    public boolean onTheWire() {
        return origin != Origin.JOB;
    }
}

package io.akmon.schema.contract;

import io.akmon.schema.EventType;

import java.util.ArrayList;
import java.util.List;

/**
 * One record family: its own fields beside the common ones. Some families have variants told apart by
 * one field (memory and net by {@code event}, file by {@code op}); a field may belong to some of them.
 *
 * @param type         the family
 * @param variantField the field whose value selects the variant, or null
 * @param fields       its own fields; a name may appear twice for disjoint variants (e.g. memory's {@code uid})
 * @param source       where its records come from, for the README
 */
public record Family(EventType type, String variantField, List<FieldSpec> fields, String source) {

    /** The field of this name on a record of this variant, or null. */
    public FieldSpec field(String name, String variant) {
        for (FieldSpec f : fields) {
            if (f.name().equals(name) && f.appliesTo(variant)) {
                return f;
            }
        }
        return null;
    }

    /** Every declaration of this name, whatever the variant. */
    public List<FieldSpec> declarations(String name) {
        List<FieldSpec> out = new ArrayList<>();
        for (FieldSpec f : fields) {
            if (f.name().equals(name)) {
                out.add(f);
            }
        }
        return out;
    }

    /**
     * Whether the family has fields of its own. A family of the common fields alone (a marker such as the
     * agent's progress) needs only its entry here: no fixture records and no README row of its own.
     */
    public boolean hasOwnFields() {
        return !fields.isEmpty();
    }

    /** The values the variant field may take, or an empty list. */
    public List<String> variants() {
        if (variantField == null) {
            return List.of();
        }
        return declarations(variantField).get(0).values();
    }
}

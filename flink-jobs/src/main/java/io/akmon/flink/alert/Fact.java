package io.akmon.flink.alert;

import org.apache.flink.api.common.typeinfo.TypeInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What alert rules match on: one input event or one aggregate, as its type ({@code exit}, {@code net},
 * {@code process_window}, {@code host_window}...), its event time and its scalar fields by their JSON (snake_case)
 * names. Numbers are {@link Long} or {@link Double}, the rest {@link String} or {@link Boolean}.
 */
@TypeInfo(FactSerializer.Factory.class)
public class Fact {
    public String type;
    /** Event time, epoch milliseconds. */
    public long timestamp;
    public Map<String, Object> fields = new LinkedHashMap<>();

    public Fact() {
    }

    public Fact(String type, long timestamp) {
        this.type = type;
        this.timestamp = timestamp;
    }

    public Object get(String field) {
        return fields.get(field);
    }

    public Fact with(String field, Object value) {
        if (value != null) {
            fields.put(field, value);
        }
        return this;
    }

    @Override
    public String toString() {
        return type + "@" + timestamp + fields;
    }
}

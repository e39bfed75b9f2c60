package io.akmon.flink.alert;

import org.apache.flink.api.common.typeinfo.TypeInfo;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One fired rule for one key. {@link #id} is {@code <rule>/<key>/<first matched>} so a later update
 * of the same alert (more matches suppressed in its throttle interval) replaces it where it is stored.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@TypeInfo(AlertSerializer.Factory.class)
public class Alert {
    public String id;
    public String rule;
    public String severity;
    /** The key's values joined as {@code name=value name=value}. */
    public String key;
    public Map<String, Object> keyFields = new LinkedHashMap<>();
    /** Epoch milliseconds of the first and last fact of the match. */
    public long firstMatched;
    public long lastMatched;
    /** When the alert fired (its last matched time), epoch milliseconds; for time-based indices. */
    public long timestamp;
    /** Per step: the matched facts' event time and the fields the step's condition reads. */
    public Map<String, List<Map<String, Object>>> matched = new LinkedHashMap<>();
    public String message;
    /** Further matches for this rule and key within the throttle interval that were not sent. */
    public long suppressed;

    public Alert() {
    }

    public Alert copy() {
        Alert a = new Alert();
        a.id = id;
        a.rule = rule;
        a.severity = severity;
        a.key = key;
        a.keyFields = new LinkedHashMap<>(keyFields);
        a.firstMatched = firstMatched;
        a.lastMatched = lastMatched;
        a.timestamp = timestamp;
        a.matched = new LinkedHashMap<>(matched);
        a.message = message;
        a.suppressed = suppressed;
        return a;
    }

    @Override
    public String toString() {
        return rule + "[" + key + "] " + firstMatched + ".." + lastMatched + " suppressed=" + suppressed + ": "
                + message;
    }
}

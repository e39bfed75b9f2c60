package io.akmon.flink.aggregate;

import io.akmon.flink.ingest.Event;

/** Key strings; '|' separates parts because host names and devices never contain it. */
public final class Keys {
    private Keys() {
    }

    public static String process(Event e) {
        return e.host + '|' + e.pid;
    }

    public static String disk(Event e) {
        return e.host + '|' + e.device;
    }

    public static String connection(Event e) {
        return e.host + '|' + e.conn + '@' + e.bootId;
    }

    public static String host(String key) {
        return key.substring(0, key.indexOf('|'));
    }

    public static String rest(String key) {
        return key.substring(key.indexOf('|') + 1);
    }
}

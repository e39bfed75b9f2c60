package io.akmon.flink.alert;

import io.akmon.flink.aggregate.ConnectionAggregate;
import io.akmon.flink.aggregate.DiskAggregate;
import io.akmon.flink.aggregate.HostAggregate;
import io.akmon.flink.aggregate.ProcessAggregate;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** The fact types rules may name and the fields each carries, with their kinds: what validation checks. */
public final class FactSchema {
    public enum Kind { NUMBER, STRING, BOOLEAN }

    /** Aggregates are facts named after their kind with a suffix: "disk" alone is the disk event. */
    public static final String WINDOW_SUFFIX = "_window";
    public static final String PROCESS_WINDOW = ProcessAggregate.KIND + WINDOW_SUFFIX;
    public static final String HOST_WINDOW = HostAggregate.KIND + WINDOW_SUFFIX;
    public static final String DISK_WINDOW = DiskAggregate.KIND + WINDOW_SUFFIX;
    public static final String CONNECTION_WINDOW = ConnectionAggregate.KIND + WINDOW_SUFFIX;
    /** A process's session document (its life so far, or its whole life once it exited). */
    public static final String PROCESS_SESSION = "process_session";

    private static final Map<String, Map<String, Kind>> TYPES = new LinkedHashMap<>();

    static {
        Map<String, Kind> common = new LinkedHashMap<>();
        strings(common, "type", "host", "boot_id", "comm");
        numbers(common, "cpu", "seq", "ts", "pid");

        event(common, "fork").putAll(numbers(new LinkedHashMap<>(), "ppid"));
        Map<String, Kind> exec = event(common, "exec");
        numbers(exec, "ppid");
        // argv: the arguments joined by single spaces; uid: a number, or a token when anonymised.
        strings(exec, "uid", "filename", "argv");
        Map<String, Kind> exit = event(common, "exit");
        numbers(exit, "ppid", "exit_code", "signal", "lifetime_ns");
        exit.put("core_dumped", Kind.BOOLEAN);
        Map<String, Kind> syscall = event(common, "syscall");
        strings(syscall, "syscall");
        numbers(syscall, "count", "errors", "interval_ns");
        numbers(event(common, "cpu"), "on_cpu_ns", "interval_ns", "cpu_pct");
        Map<String, Kind> memory = event(common, "memory");
        strings(memory, "event");
        numbers(memory, "rss_bytes", "rss_max_bytes", "page_faults");
        Map<String, Kind> disk = event(common, "disk");
        strings(disk, "dev", "device", "op");
        numbers(disk, "ops", "bytes", "latency_ns_sum", "interval_ns", "iops");
        Map<String, Kind> net = event(common, "net");
        strings(net, "event", "conn", "saddr", "daddr");
        numbers(net, "sport", "dport", "bytes_sent", "bytes_received", "retransmits", "interval_ns",
                "datagrams_sent", "datagrams_received");
        Map<String, Kind> file = event(common, "file");
        strings(file, "op", "path", "new_path", "fd_kind");
        numbers(file, "errno", "ops", "bytes", "interval_ns");
        Map<String, Kind> lost = event(common, "lost");
        strings(lost, "source");
        numbers(lost, "lost", "source_cpu");
        event(common, "agent");

        aggregate(PROCESS_WINDOW, ProcessAggregate.class);
        numbers(aggregate(HOST_WINDOW, HostAggregate.class), "net_bits_per_sec");
        numbers(aggregate(DISK_WINDOW, DiskAggregate.class), "iops");
        numbers(aggregate(CONNECTION_WINDOW, ConnectionAggregate.class), "net_bits_per_sec");
        aggregate(PROCESS_SESSION, io.akmon.flink.aggregate.SessionAggregate.class);
    }

    private FactSchema() {
    }

    /** Fields of a type, or null when no such type exists. */
    public static Map<String, Kind> fields(String type) {
        Map<String, Kind> f = TYPES.get(type);
        return f == null ? null : Collections.unmodifiableMap(f);
    }

    public static Iterable<String> types() {
        return TYPES.keySet();
    }

    public static boolean isAggregate(String type) {
        return type.equals(PROCESS_WINDOW) || type.equals(HOST_WINDOW) || type.equals(DISK_WINDOW)
                || type.equals(CONNECTION_WINDOW) || type.equals(PROCESS_SESSION);
    }

    private static Map<String, Kind> event(Map<String, Kind> common, String type) {
        Map<String, Kind> m = new LinkedHashMap<>(common);
        TYPES.put(type, m);
        return m;
    }

    /** An aggregate's scalar fields, by the snake_case names its JSON form uses. */
    private static Map<String, Kind> aggregate(String kind, Class<?> type) {
        Map<String, Kind> m = new TreeMap<>();
        for (Class<?> c = type; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || !Modifier.isPublic(f.getModifiers())) {
                    continue;
                }
                Class<?> t = f.getType();
                Kind k = t == String.class ? Kind.STRING
                        : t == boolean.class || t == Boolean.class ? Kind.BOOLEAN
                        : t.isPrimitive() || Number.class.isAssignableFrom(t) ? Kind.NUMBER : null;
                if (k != null) {
                    com.fasterxml.jackson.annotation.JsonProperty named = f.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
                    m.put(named != null && !named.value().isEmpty() ? named.value() : snake(f.getName()), k);
                }
            }
        }
        m.put("type", Kind.STRING);
        TYPES.put(kind, m);
        return m;
    }

    static String snake(String camel) {
        StringBuilder b = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                b.append('_').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static Map<String, Kind> strings(Map<String, Kind> m, String... names) {
        for (String n : names) {
            m.put(n, Kind.STRING);
        }
        return m;
    }

    private static Map<String, Kind> numbers(Map<String, Kind> m, String... names) {
        for (String n : names) {
            m.put(n, Kind.NUMBER);
        }
        return m;
    }
}

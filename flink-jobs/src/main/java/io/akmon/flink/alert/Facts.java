package io.akmon.flink.alert;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.ingest.Event;
import io.akmon.flink.sink.Json;

import java.util.Iterator;
import java.util.Map;

/** Builds facts from parsed events and from aggregates (objects or their JSON documents). */
public final class Facts {
    private Facts() {
    }

    public static Fact of(Event e) {
        Fact f = new Fact(e.type, e.timestampMillis())
                .with("type", e.type).with("host", e.host).with("boot_id", e.bootId).with("cpu", (long) e.cpu)
                .with("seq", e.seq).with("ts", e.ts).with("pid", (long) e.pid).with("comm", e.comm);
        switch (e.type) {
            case "fork" -> f.with("ppid", (long) e.ppid);
            case "exec" -> f.with("ppid", (long) e.ppid).with("uid", e.uid).with("filename", e.filename)
                    .with("argv", argv(e.argv));
            case "exit" -> f.with("ppid", (long) e.ppid).with("exit_code", (long) e.exitCode)
                    .with("signal", (long) e.signal).with("core_dumped", e.coreDumped)
                    .with("lifetime_ns", e.lifetimeNs);
            case "syscall" -> f.with("syscall", e.syscall).with("count", e.count).with("errors", e.errors)
                    .with("interval_ns", e.intervalNs);
            case "cpu" -> f.with("on_cpu_ns", e.onCpuNs).with("interval_ns", e.intervalNs)
                    .with("cpu_pct", e.intervalNs <= 0 ? 0.0 : e.onCpuNs * 100.0 / e.intervalNs);
            case "memory" -> f.with("event", e.event).with("rss_bytes", e.rssBytes)
                    .with("rss_max_bytes", e.rssMaxBytes).with("page_faults", e.pageFaults);
            case "disk" -> f.with("dev", e.dev).with("device", e.device).with("op", e.op).with("ops", e.ops)
                    .with("bytes", e.bytes).with("latency_ns_sum", e.latencyNsSum).with("interval_ns", e.intervalNs)
                    .with("iops", e.intervalNs <= 0 ? 0.0 : e.ops * 1e9 / e.intervalNs);
            case "net" -> f.with("event", e.event).with("conn", e.conn).with("saddr", e.saddr)
                    .with("daddr", e.daddr).with("sport", (long) e.sport).with("dport", (long) e.dport)
                    .with("bytes_sent", e.bytesSent).with("bytes_received", e.bytesReceived)
                    .with("retransmits", e.retransmits).with("interval_ns", e.intervalNs)
                    .with("datagrams_sent", e.datagramsSent).with("datagrams_received", e.datagramsReceived);
            case "file" -> f.with("op", e.op).with("path", e.path).with("new_path", e.newPath).with("fd_kind", e.fdKind)
                    .with("errno", (long) e.errno).with("ops", e.ops).with("bytes", e.bytes)
                    .with("interval_ns", e.intervalNs);
            case "lost" -> f.with("source", e.source).with("lost", e.lost).with("source_cpu", (long) e.sourceCpu);
            default -> { }
        }
        return f;
    }

    /** The arguments as one string, separated by single spaces (as Falco's proc.cmdline): what rules match. */
    static String argv(String[] argv) {
        return argv == null ? null : String.join(" ", argv);
    }

    public static Fact of(Aggregate a) {
        return of(Json.MAPPER.valueToTree(a));
    }

    /** An aggregate document as the aggregation job writes it; null when it is not one. */
    public static Fact of(JsonNode doc) {
        JsonNode kind = doc.get("kind");
        JsonNode ts = doc.get("timestamp");
        if (kind == null || !kind.isTextual() || ts == null || !ts.canConvertToLong()) {
            return null;
        }
        Fact f = new Fact(io.akmon.flink.aggregate.SessionAggregate.KIND.equals(kind.asText()) ? FactSchema.PROCESS_SESSION
                : kind.asText() + FactSchema.WINDOW_SUFFIX, ts.asLong());
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isIntegralNumber()) {
                f.with(e.getKey(), v.asLong());
            } else if (v.isNumber()) {
                f.with(e.getKey(), v.asDouble());
            } else if (v.isTextual()) {
                f.with(e.getKey(), v.asText());
            } else if (v.isBoolean()) {
                f.with(e.getKey(), v.asBoolean());
            }
        }
        f.with("type", f.type);
        switch (f.type) {
            case FactSchema.HOST_WINDOW, FactSchema.CONNECTION_WINDOW -> {
                boolean host = f.type.equals(FactSchema.HOST_WINDOW);
                String sent = host ? "net_bytes_sent_per_sec" : "bytes_sent_per_sec";
                String received = host ? "net_bytes_received_per_sec" : "bytes_received_per_sec";
                f.with("net_bits_per_sec", (number(f.get(sent)) + number(f.get(received))) * 8);
            }
            case FactSchema.DISK_WINDOW -> f.with("iops", number(f.get("read_iops")) + number(f.get("write_iops")));
            default -> { }
        }
        return f;
    }

    static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0.0;
    }
}

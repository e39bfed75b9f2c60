package io.akmon.flink.fold;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.akmon.flink.ingest.Event;
import io.akmon.flink.sink.Json;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The documents computed directly from the unique records, window by window. */
final class ReferenceAggregation {
    private final List<Event> records;

    ReferenceAggregation(List<Event> records) {
        this.records = records;
    }

    static long start(Event e, long size) {
        long ms = e.timestampMillis();
        return ms - Math.floorMod(ms, size);
    }

    static boolean processRecord(Event e) {
        return e.pid > 0 && !e.type.equals("lost") && !e.type.equals("agent");
    }

    static long pct(long[] hist, double p) {
        long total = 0;
        for (long c : hist) {
            total += c;
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(p * total);
        long cum = 0;
        for (int i = 0; i < hist.length; i++) {
            cum += hist[i];
            if (cum >= rank) {
                return 1L << i;
            }
        }
        return 1L << (hist.length - 1);
    }

    static ArrayNode syscalls(List<Event> es, int limit) {
        Map<String, long[]> m = new TreeMap<>();
        for (Event e : es) {
            if (e.type.equals("syscall")) {
                long[] c = m.computeIfAbsent(e.syscall, k -> new long[2]);
                c[0] += e.count;
                c[1] += e.errors;
            }
        }
        List<Map.Entry<String, long[]>> l = new ArrayList<>(m.entrySet());
        l.sort(Comparator.comparingLong((Map.Entry<String, long[]> x) -> -x.getValue()[0]).thenComparing(Map.Entry::getKey));
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (Map.Entry<String, long[]> x : l.subList(0, Math.min(limit, l.size()))) {
            a.addObject().put("name", x.getKey()).put("count", x.getValue()[0]).put("errors", x.getValue()[1]);
        }
        return a;
    }

    static long sum(List<Event> es, String type, java.util.function.ToLongFunction<Event> f) {
        return es.stream().filter(e -> type == null || e.type.equals(type)).mapToLong(f).sum();
    }

    static ObjectNode base(String kind, String res, String host, String key, long start, long size, double coverage) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", kind + "/" + res + "/" + host + (key == null ? "" : "/" + key) + "/" + start);
        n.put("kind", kind);
        n.put("resolution", res);
        n.put("timestamp", start);
        n.put("window_end", start + size);
        n.put("host", host);
        n.put("coverage", coverage);
        // What the job's main output carries: only closed windows (live partials are a side output).
        n.put("final", true);
        return n;
    }

    /** Figures a session sums over its process's windows, and the one it takes the maximum of. */
    private static final List<String> SESSION_SUMS = List.of("records", "on_cpu_ns", "page_faults", "oom_kills",
            "disk_read_bytes", "disk_write_bytes", "disk_read_ops", "disk_write_ops", "net_bytes_sent",
            "net_bytes_received", "net_retransmits", "connections_opened", "connections_closed", "syscall_count",
            "syscall_errors", "children_forked", "execs");

    /**
     * The session documents, held to the process documents of the base windows ({@code base}, as
     * {@link #documents} gives them): every total the sum of the windows' figures, the peak RSS their max,
     * the top syscalls those of the summed counts, the span and coverage those of the windows with records
     * of the process (or children it forked).
     */
    Map<String, ObjectNode> sessions(Map<String, ObjectNode> base) {
        Map<String, List<ObjectNode>> byProcess = new TreeMap<>();
        for (ObjectNode d : base.values()) {
            if (d.get("kind").asText().equals("process")
                    && (d.get("records").asLong() > 0 || d.get("children_forked").asLong() > 0)) {
                byProcess.computeIfAbsent(d.get("host").asText() + "/" + d.get("pid").asInt(), k -> new ArrayList<>()).add(d);
            }
        }
        Map<String, ObjectNode> out = new TreeMap<>();
        for (List<ObjectNode> windows : byProcess.values()) {
            windows.sort(Comparator.comparingLong(d -> d.get("timestamp").asLong()));
            ObjectNode first = windows.get(0);
            ObjectNode last = windows.get(windows.size() - 1);
            String host = first.get("host").asText();
            int pid = first.get("pid").asInt();
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("id", "session/lifetime/" + host + "/" + pid + "/" + first.get("timestamp").asLong());
            n.put("kind", "session");
            n.put("final", true);
            n.put("resolution", "lifetime");
            n.put("timestamp", first.get("timestamp").asLong());
            n.put("window_end", last.get("window_end").asLong());
            n.put("host", host);
            n.put("coverage", windows.stream().mapToDouble(d -> d.get("coverage").asDouble()).min().getAsDouble());
            n.put("pid", pid);
            for (ObjectNode d : windows) {
                if (d.get("records").asLong() > 0 && d.has("comm")) {
                    n.put("comm", d.get("comm").asText());
                }
            }
            for (String f : List.of("ppid", "start_ts", "context_source")) {
                if (last.has(f)) {
                    n.set(f, last.get(f));
                }
            }
            for (String f : SESSION_SUMS) {
                n.put(f, windows.stream().mapToLong(d -> d.get(f).asLong()).sum());
            }
            n.put("cpu_seconds", n.get("on_cpu_ns").asLong() / 1e9);
            n.put("rss_max_bytes", windows.stream().mapToLong(d -> d.get("rss_max_bytes").asLong()).max().getAsLong());
            Map<String, long[]> calls = new TreeMap<>();
            for (ObjectNode d : windows) {
                d.get("syscalls").forEach(c -> {
                    long[] v = calls.computeIfAbsent(c.get("name").asText(), k -> new long[2]);
                    v[0] += c.get("count").asLong();
                    v[1] += c.get("errors").asLong();
                });
            }
            List<Map.Entry<String, long[]>> ranked = new ArrayList<>(calls.entrySet());
            ranked.sort(Comparator.comparingLong((Map.Entry<String, long[]> x) -> -x.getValue()[0]).thenComparing(Map.Entry::getKey));
            ArrayNode top = n.putArray("top_syscalls");
            for (Map.Entry<String, long[]> x : ranked.subList(0, Math.min(10, ranked.size()))) {
                top.addObject().put("name", x.getKey()).put("count", x.getValue()[0]).put("errors", x.getValue()[1]);
            }
            ObjectNode exit = windows.stream().filter(d -> d.get("exited").asBoolean()).reduce((a, b) -> b).orElse(null);
            n.put("exited", exit != null);
            if (exit != null) {
                Event record = records.stream().filter(e -> e.type.equals("exit") && e.host.equals(host) && e.pid == pid)
                        .max(Comparator.comparingLong(e -> e.ts)).orElseThrow();
                n.put("end_ts", record.ts);
                for (String f : List.of("exit_code", "exit_signal", "core_dumped", "lifetime_ns")) {
                    n.set(f, exit.get(f));
                }
            }
            out.put(n.get("id").asText(), n);
        }
        return out;
    }

    Map<String, ObjectNode> documents(long size, String res) {
        // By host and window, in window order.
        Map<String, TreeMap<Long, List<Event>>> byHost = new TreeMap<>();
        for (Event e : records) {
            byHost.computeIfAbsent(e.host, k -> new TreeMap<>()).computeIfAbsent(start(e, size), k -> new ArrayList<>()).add(e);
        }
        // Sequence gaps: each belongs to the window of the record after it.
        Map<String, List<Event>> streams = new HashMap<>();
        for (Event e : records) {
            streams.computeIfAbsent(e.streamKey(), k -> new ArrayList<>()).add(e);
        }
        Map<String, Long> gaps = new HashMap<>();
        for (List<Event> s : streams.values()) {
            s.sort(Comparator.comparingLong(e -> e.seq));
            for (int i = 1; i < s.size(); i++) {
                gaps.merge(s.get(i).host + "/" + start(s.get(i), size), s.get(i).seq - s.get(i - 1).seq - 1, Long::sum);
            }
        }
        Map<String, ObjectNode> docs = new TreeMap<>();
        for (Map.Entry<String, TreeMap<Long, List<Event>>> h : byHost.entrySet()) {
            String host = h.getKey();
            Set<Integer> everSeen = new HashSet<>();
            Set<Integer> exited = new HashSet<>();
            // pid -> {latest RSS sample, its name}: carried into every later window until the process exits.
            Map<Integer, Object[]> resident = new TreeMap<>();
            Map<Integer, Event> forked = new HashMap<>();
            Set<Integer> execd = new HashSet<>();
            for (Map.Entry<Long, List<Event>> w : h.getValue().entrySet()) {
                long start = w.getKey();
                List<Event> es = w.getValue();
                double secs = size / 1000.0;
                long recs = es.size();
                long missing = gaps.getOrDefault(host + "/" + start, 0L)
                        + es.stream().filter(e -> e.type.equals("lost") && !"output".equals(e.source)).mapToLong(e -> e.lost).sum();
                double coverage = recs + missing == 0 ? 1.0 : (double) recs / (recs + missing);
                Map<Integer, List<Event>> byPid = new TreeMap<>();
                for (Event e : es) {
                    if (processRecord(e)) {
                        byPid.computeIfAbsent(e.pid, k -> new ArrayList<>()).add(e);
                    }
                }
                everSeen.addAll(byPid.keySet());
                Set<Integer> exitedHere = new HashSet<>();
                es.stream().filter(e -> e.type.equals("exit")).forEach(e -> exitedHere.add(e.pid));
                exited.addAll(exitedHere);
                Map<Integer, ObjectNode> pdocs = new TreeMap<>();
                for (Map.Entry<Integer, List<Event>> p : byPid.entrySet()) {
                    ObjectNode d = process(res, host, p.getKey(), start, size, p.getValue(), coverage);
                    pdocs.put(p.getKey(), d);
                    if (d.has("rss_bytes")) {
                        resident.put(p.getKey(), new Object[] {d.get("rss_bytes").asLong(), d.path("comm").asText(null)});
                    } else if (resident.containsKey(p.getKey()) && d.has("comm")) {
                        resident.get(p.getKey())[1] = d.get("comm").asText();
                    }
                }
                // Processes that exited here count in this window's sum, and then no more.
                long rss = resident.values().stream().mapToLong(r -> (Long) r[0]).sum();
                resident.keySet().removeAll(exitedHere);
                for (Map.Entry<Integer, Object[]> r : resident.entrySet()) {
                    ObjectNode d = pdocs.get(r.getKey());
                    if (d == null) {
                        d = process(res, host, r.getKey(), start, size, List.of(), coverage);
                        if (r.getValue()[1] != null) {
                            d.put("comm", (String) r.getValue()[1]);
                        }
                        pdocs.put(r.getKey(), d);
                    }
                    if (!d.has("rss_bytes")) {
                        d.put("rss_bytes", (Long) r.getValue()[0]);
                    }
                }
                // A parent's children are the window's fork records naming it as ppid; a parent without
                // records of its own has a document for them.
                Map<Integer, Long> children = new TreeMap<>();
                es.stream().filter(e -> e.type.equals("fork") && e.ppid > 0 && e.ppid != e.pid)
                        .forEach(e -> children.merge(e.ppid, 1L, Long::sum));
                for (Map.Entry<Integer, Long> c : children.entrySet()) {
                    pdocs.computeIfAbsent(c.getKey(), pid -> process(res, host, pid, start, size, List.of(), coverage))
                            .put("children_forked", c.getValue());
                }
                // Every document of a process after its fork names its parent and start.
                // and, from its exec on, that its image came from the exec (the stream's execs name no file).
                es.stream().filter(e -> e.type.equals("fork")).forEach(e -> forked.put(e.pid, e));
                es.stream().filter(e -> e.type.equals("exec")).forEach(e -> execd.add(e.pid));
                for (Map.Entry<Integer, ObjectNode> d : pdocs.entrySet()) {
                    Event fork = forked.get(d.getKey());
                    if (fork != null) {
                        d.getValue().put("ppid", fork.ppid);
                        d.getValue().put("start_ts", fork.ts);
                    }
                    if (execd.contains(d.getKey())) {
                        d.getValue().put("context_source", "exec");
                    }
                }
                pdocs.values().forEach(d -> docs.put(d.get("id").asText(), d));
                ObjectNode n = base("host", res, host, null, start, size, coverage);
                n.put("records", recs);
                n.put("missing", missing);
                n.put("active_processes", byPid.size());
                n.put("live_processes", everSeen.stream().filter(p -> !exited.contains(p)).count());
                long onCpu = sum(es, "cpu", e -> e.onCpuNs);
                n.put("on_cpu_ns", onCpu);
                n.put("cpu_seconds", onCpu / 1e9);
                n.put("cpu_pct", onCpu / (size * 1_000_000.0) * 100.0);
                n.put("rss_bytes", rss);
                long busy = sum(es, "host", e -> e.cpuBusyNs);
                long interval = sum(es, "host", e -> e.intervalNs);
                n.put("cpu_busy_ns", busy);
                n.put("cpu_interval_ns", interval);
                n.put("cpu_busy_pct", interval == 0 ? 0.0 : busy * 100.0 / interval);
                Event mem = latest(es, e -> e.type.equals("host"));
                n.put("mem_total_bytes", mem == null ? 0 : mem.memTotalBytes);
                n.put("mem_available_bytes", mem == null ? 0 : mem.memAvailableBytes);
                n.put("mem_used_bytes", mem == null ? 0 : mem.memUsedBytes);
                n.put("page_faults", sum(es, "memory", e -> e.pageFaults));
                n.put("oom_kills", es.stream().filter(e -> "oom_kill".equals(e.event)).count());
                n.put("syscall_count", sum(es, "syscall", e -> e.count));
                n.put("syscall_errors", sum(es, "syscall", e -> e.errors));
                n.set("syscalls", syscalls(es, Integer.MAX_VALUE));
                n.set("top_syscalls", syscalls(es, 10));
                n.put("disk_read_bytes", es.stream().filter(e -> e.type.equals("disk") && "read".equals(e.op)).mapToLong(e -> e.bytes).sum());
                n.put("disk_write_bytes", es.stream().filter(e -> e.type.equals("disk") && "write".equals(e.op)).mapToLong(e -> e.bytes).sum());
                n.put("disk_read_ops", es.stream().filter(e -> e.type.equals("disk") && "read".equals(e.op)).mapToLong(e -> e.ops).sum());
                n.put("disk_write_ops", es.stream().filter(e -> e.type.equals("disk") && "write".equals(e.op)).mapToLong(e -> e.ops).sum());
                long sent = sum(tcp(es), "net", e -> e.bytesSent);
                long received = sum(tcp(es), "net", e -> e.bytesReceived);
                n.put("net_bytes_sent", sent);
                n.put("net_bytes_received", received);
                n.put("net_bytes_sent_per_sec", sent / secs);
                n.put("net_bytes_received_per_sec", received / secs);
                n.put("net_retransmits", sum(es, "net", e -> e.retransmits));
                n.put("connections_opened", es.stream().filter(e -> e.type.equals("net")
                        && (e.event.equals("connect") || e.event.equals("accept"))).count());
                n.put("connections_closed", es.stream().filter(e -> e.type.equals("net") && e.event.equals("close")).count());
                udp(n, es);
                n.put("process_starts", es.stream().filter(e -> e.type.equals("fork")).count());
                n.put("execs", es.stream().filter(e -> e.type.equals("exec")).count());
                long exits = es.stream().filter(e -> e.type.equals("exit")).count();
                n.put("process_exits", exits);
                ObjectNode codes = n.putObject("exits_by_code");
                ObjectNode signals = n.putObject("exits_by_signal");
                Map<String, Long> byCode = new TreeMap<>();
                Map<String, Long> bySignal = new TreeMap<>();
                long lifeSum = 0;
                long lifeMax = 0;
                for (Event e : es) {
                    if (e.type.equals("exit")) {
                        byCode.merge(Integer.toString(e.exitCode), 1L, Long::sum);
                        if (e.signal != 0) {
                            bySignal.merge(Integer.toString(e.signal), 1L, Long::sum);
                        }
                        lifeSum += e.lifetimeNs;
                        lifeMax = Math.max(lifeMax, e.lifetimeNs);
                    }
                }
                byCode.forEach(codes::put);
                bySignal.forEach(signals::put);
                n.put("lifetime_ns_sum", lifeSum);
                n.put("lifetime_ns_max", lifeMax);
                n.put("lifetime_ns_avg", exits == 0 ? 0.0 : (double) lifeSum / exits);
                docs.put(n.get("id").asText(), n);

                for (Map.Entry<String, List<Event>> d : group(es, "disk", e -> e.device).entrySet()) {
                    ObjectNode x = disk(res, host, d.getKey(), start, size, d.getValue(), coverage);
                    docs.put(x.get("id").asText(), x);
                }
                for (Map.Entry<String, List<Event>> c : group(es, "net", e -> e.conn + "@" + e.bootId).entrySet()) {
                    ObjectNode x = connection(res, host, c.getKey(), start, size, c.getValue(), coverage);
                    docs.put(x.get("id").asText(), x);
                }
            }
        }
        return docs;
    }

    static Map<String, List<Event>> group(List<Event> es, String type, java.util.function.Function<Event, String> key) {
        Map<String, List<Event>> m = new TreeMap<>();
        for (Event e : es) {
            if (e.type.equals(type)) {
                m.computeIfAbsent(key.apply(e), k -> new ArrayList<>()).add(e);
            }
        }
        return m;
    }

    static Event latest(List<Event> es, java.util.function.Predicate<Event> which) {
        Event best = null;
        for (Event e : es) {
            if (which.test(e) && (best == null || e.ts > best.ts || (e.ts == best.ts && e.seq >= best.seq))) {
                best = e;
            }
        }
        return best;
    }

    static ObjectNode process(String res, String host, int pid, long start, long size, List<Event> es, double coverage) {
        double secs = size / 1000.0;
        ObjectNode n = base("process", res, host, Integer.toString(pid), start, size, coverage);
        n.put("pid", pid);
        Event named = null;
        for (Event e : es) {
            if (e.comm != null && (named == null || e.ts >= named.ts)) {
                named = e;
            }
        }
        if (named != null) {
            n.put("comm", named.comm);
        }
        n.put("records", es.size());
        long onCpu = sum(es, "cpu", e -> e.onCpuNs);
        n.put("on_cpu_ns", onCpu);
        n.put("cpu_seconds", onCpu / 1e9);
        n.put("cpu_pct", onCpu / (size * 1_000_000.0) * 100.0);
        Event sample = latest(es, e -> e.type.equals("memory") && !"oom_kill".equals(e.event));
        if (sample != null) {
            n.put("rss_bytes", sample.rssBytes);
        }
        n.put("rss_max_bytes", es.stream().filter(e -> e.type.equals("memory") && !"oom_kill".equals(e.event))
                .mapToLong(e -> Math.max(e.rssBytes, e.rssMaxBytes)).max().orElse(0));
        n.put("page_faults", es.stream().filter(e -> e.type.equals("memory") && !"oom_kill".equals(e.event))
                .mapToLong(e -> e.pageFaults).sum());
        n.put("oom_kills", es.stream().filter(e -> "oom_kill".equals(e.event)).count());
        n.put("syscall_count", sum(es, "syscall", e -> e.count));
        n.put("syscall_errors", sum(es, "syscall", e -> e.errors));
        n.set("syscalls", syscalls(es, Integer.MAX_VALUE));
        n.put("disk_read_bytes", es.stream().filter(e -> e.type.equals("disk") && "read".equals(e.op)).mapToLong(e -> e.bytes).sum());
        n.put("disk_write_bytes", es.stream().filter(e -> e.type.equals("disk") && "write".equals(e.op)).mapToLong(e -> e.bytes).sum());
        n.put("disk_read_ops", es.stream().filter(e -> e.type.equals("disk") && "read".equals(e.op)).mapToLong(e -> e.ops).sum());
        n.put("disk_write_ops", es.stream().filter(e -> e.type.equals("disk") && "write".equals(e.op)).mapToLong(e -> e.ops).sum());
        long[] h = new long[32];
        es.stream().filter(e -> e.type.equals("disk")).forEach(e -> {
            for (int i = 0; i < 32; i++) {
                h[i] += e.latencyHistUs[i];
            }
        });
        n.put("disk_latency_p50_us", pct(h, 0.50));
        n.put("disk_latency_p95_us", pct(h, 0.95));
        n.put("disk_latency_p99_us", pct(h, 0.99));
        long sent = sum(tcp(es), "net", e -> e.bytesSent);
        long received = sum(tcp(es), "net", e -> e.bytesReceived);
        n.put("net_bytes_sent", sent);
        n.put("net_bytes_received", received);
        n.put("net_bytes_sent_per_sec", sent / secs);
        n.put("net_bytes_received_per_sec", received / secs);
        n.put("net_retransmits", sum(es, "net", e -> e.retransmits));
        n.put("connections_opened", es.stream().filter(e -> e.type.equals("net")
                && (e.event.equals("connect") || e.event.equals("accept"))).count());
        n.put("connections_closed", es.stream().filter(e -> e.type.equals("net") && e.event.equals("close")).count());
        udp(n, es);
        for (String kind : List.of("file", "socket", "pipe", "other")) {
            for (String op : List.of("read", "write")) {
                List<Event> io = es.stream().filter(e -> e.type.equals("file") && kind.equals(e.fdKind) && op.equals(e.op)).toList();
                n.put(kind + "_" + op + "_bytes", io.stream().mapToLong(e -> e.bytes).sum());
                if (kind.equals("file")) {
                    n.put(kind + "_" + op + "_ops", io.stream().mapToLong(e -> e.ops).sum());
                }
            }
        }
        List<Event> fileEvents = es.stream().filter(e -> e.type.equals("file") && e.fdKind == null).toList();
        n.put("file_op_count", fileEvents.size());
        n.put("file_op_errors", fileEvents.stream().filter(e -> e.errno != 0).count());
        if (!fileEvents.isEmpty()) {
            Map<String, long[]> ops = new TreeMap<>();
            for (Event e : fileEvents) {
                long[] c = ops.computeIfAbsent(e.op, k -> new long[2]);
                c[0]++;
                c[1] += e.errno != 0 ? 1 : 0;
            }
            List<Map.Entry<String, long[]>> l = new ArrayList<>(ops.entrySet());
            l.sort(Comparator.comparingLong((Map.Entry<String, long[]> x) -> -x.getValue()[0]).thenComparing(Map.Entry::getKey));
            ArrayNode a = n.putArray("file_ops");
            for (Map.Entry<String, long[]> x : l) {
                a.addObject().put("name", x.getKey()).put("count", x.getValue()[0]).put("errors", x.getValue()[1]);
            }
        }
        n.put("started_by_fork", es.stream().filter(e -> e.type.equals("fork")).count());
        n.put("children_forked", 0);
        n.put("execs", es.stream().filter(e -> e.type.equals("exec")).count());
        Event exit = null;
        for (Event e : es) {
            if (e.type.equals("exit") && (exit == null || e.ts >= exit.ts)) {
                exit = e;
            }
        }
        n.put("exited", exit != null);
        if (exit != null) {
            n.put("exit_code", exit.exitCode);
            n.put("exit_signal", exit.signal);
            n.put("core_dumped", exit.coreDumped);
            n.put("lifetime_ns", exit.lifetimeNs);
        }
        return n;
    }

    static ObjectNode disk(String res, String host, String device, long start, long size, List<Event> es,
                           double coverage) {
        double secs = size / 1000.0;
        ObjectNode n = base("disk", res, host, device, start, size, coverage);
        n.put("device", device);
        n.put("dev", es.get(es.size() - 1).dev);
        for (String op : List.of("read", "write")) {
            List<Event> o = es.stream().filter(e -> e.op.equals(op)).toList();
            long ops = o.stream().mapToLong(e -> e.ops).sum();
            long bytes = o.stream().mapToLong(e -> e.bytes).sum();
            long latency = o.stream().mapToLong(e -> e.latencyNsSum).sum();
            long[] h = new long[32];
            o.forEach(e -> {
                for (int i = 0; i < 32; i++) {
                    h[i] += e.latencyHistUs[i];
                }
            });
            n.put(op + "_ops", ops);
            n.put(op + "_bytes", bytes);
            n.put(op + "_iops", ops / secs);
            n.put(op + "_bytes_per_sec", bytes / secs);
            n.put(op + "_latency_avg_us", ops == 0 ? 0.0 : latency / 1000.0 / ops);
            n.put(op + "_latency_p50_us", pct(h, 0.50));
            n.put(op + "_latency_p95_us", pct(h, 0.95));
            n.put(op + "_latency_p99_us", pct(h, 0.99));
        }
        return n;
    }

    static ObjectNode connection(String res, String host, String key, long start, long size, List<Event> es,
                                 double coverage) {
        double secs = size / 1000.0;
        ObjectNode n = base("connection", res, host, key, start, size, coverage);
        Event any = es.get(0);
        n.put("conn", any.conn);
        n.put("pid", any.pid);
        n.put("comm", any.comm);
        n.put("saddr", any.saddr);
        n.put("sport", any.sport);
        n.put("daddr", any.daddr);
        n.put("dport", any.dport);
        for (Iterator<Event> it = es.iterator(); it.hasNext(); ) {
            Event e = it.next();
            if (e.event.equals("connect") || e.event.equals("accept")) {
                n.put("direction", e.event.equals("connect") ? "outbound" : "inbound");
            }
        }
        n.put("opened", es.stream().filter(e -> e.event.equals("connect") || e.event.equals("accept")).count());
        n.put("closed", es.stream().filter(e -> e.event.equals("close")).count());
        long sent = es.stream().mapToLong(e -> e.bytesSent).sum();
        long received = es.stream().mapToLong(e -> e.bytesReceived).sum();
        n.put("bytes_sent", sent);
        n.put("bytes_received", received);
        n.put("bytes_sent_per_sec", sent / secs);
        n.put("bytes_received_per_sec", received / secs);
        n.put("retransmits", es.stream().mapToLong(e -> e.retransmits).sum());
        n.put("proto", "udp".equals(any.event) ? "udp" : "tcp");
        n.put("datagrams_sent", es.stream().mapToLong(e -> e.datagramsSent).sum());
        n.put("datagrams_received", es.stream().mapToLong(e -> e.datagramsReceived).sum());
        return n;
    }

    /** Records other than UDP pairs' (the net_* figures are TCP's). */
    static List<Event> tcp(List<Event> es) {
        return es.stream().filter(e -> !("net".equals(e.type) && "udp".equals(e.event))).toList();
    }

    static void udp(ObjectNode n, List<Event> es) {
        List<Event> udp = es.stream().filter(e -> "net".equals(e.type) && "udp".equals(e.event)).toList();
        n.put("udp_datagrams_sent", udp.stream().mapToLong(e -> e.datagramsSent).sum());
        n.put("udp_bytes_sent", udp.stream().mapToLong(e -> e.bytesSent).sum());
        n.put("udp_datagrams_received", udp.stream().mapToLong(e -> e.datagramsReceived).sum());
        n.put("udp_bytes_received", udp.stream().mapToLong(e -> e.bytesReceived).sum());
    }
}

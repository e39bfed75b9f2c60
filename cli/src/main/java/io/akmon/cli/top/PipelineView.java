package io.akmon.cli.top;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the live view shows, built only from the pipeline's outputs: the newest per-process and
 * per-host aggregates, recent alerts, the agents' health records, and the job's lag and checkpoints.
 * Rendering is separate from collecting so either can be tested alone.
 *
 * <p>The newest window is the open one when the job sends live partials ({@code final: false}, from its
 * live topic): they show the window's figures so far, marked live, until the final document of the same
 * id arrives from the aggregates topic and takes their place. The two topics are read side by side, so a
 * partial can come after the final one (a replay, or a partition read later); it never replaces it.
 */
public final class PipelineView {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final int ALERTS_KEPT = 8;
    /** The host line's figures in --no-ui: the kernel's CPU and memory, and the traced processes' sums. */
    private static final List<String> HOST_FIELDS = List.of("host", "timestamp", "cpu_busy_pct", "cpu_busy_ns",
            "cpu_interval_ns", "cpu_pct", "mem_used_bytes", "mem_available_bytes", "mem_total_bytes", "rss_bytes",
            "disk_read_bytes", "disk_write_bytes", "net_bytes_sent_per_sec", "net_bytes_received_per_sec",
            "live_processes", "coverage");
    static final String LIVE = "live";
    static final String FINAL = "final";

    private final String resolution;
    private final Map<String, JsonNode> processes = new HashMap<>(); // host/pid -> newest process aggregate
    private final Map<String, JsonNode> hosts = new HashMap<>();
    /** host/pid of the process always shown, or null. */
    private String self;
    private final Map<String, JsonNode> agents = new HashMap<>();
    private final Map<String, Double> rates = new HashMap<>(); // host -> records/s between its last two health records
    private final Deque<JsonNode> alerts = new ArrayDeque<>();
    private long processWindow;
    private long kafkaLag = -1;
    private long lastCheckpointMillis;
    private String jobState = "unknown";

    public PipelineView(String resolution) {
        this.resolution = resolution;
    }

    /** Takes one record from the aggregates, alerts or agent topic. */
    public synchronized void accept(String topic, JsonNode record) {
        if (topic.endsWith("alerts")) {
            alerts.addFirst(record);
            while (alerts.size() > ALERTS_KEPT) {
                alerts.removeLast();
            }
            return;
        }
        if ("heartbeat".equals(record.path("type").asText())) {
            return; // the agent's progress on the agent topic: no figures
        }
        if ("agent".equals(record.path("type").asText())) {
            String host = record.path("host").asText();
            JsonNode previous = agents.put(host, record);
            if (previous != null && record.path("records_accepted").asLong() >= previous.path("records_accepted").asLong()) {
                double seconds = (record.path("ts").asLong() - previous.path("ts").asLong()) / 1e9;
                if (seconds > 0) {
                    rates.put(host, (record.path("records_accepted").asLong() - previous.path("records_accepted").asLong()) / seconds);
                }
            }
            return;
        }
        if (!resolution.equals(record.path("resolution").asText())) {
            return;
        }
        String kind = record.path("kind").asText();
        String host = record.path("host").asText();
        long ts = record.path("timestamp").asLong();
        if ("process".equals(kind)) {
            if (ts > processWindow) { // a newer window replaces the table
                processWindow = ts;
                processes.entrySet().removeIf(e -> e.getValue().path("timestamp").asLong() < ts);
            }
            String key = host + "/" + record.path("pid").asInt();
            if (ts == processWindow && replaces(processes.get(key), record)) {
                processes.put(key, record);
            }
        } else if ("host".equals(kind)) {
            JsonNode old = hosts.get(host);
            if (old == null || old.path("timestamp").asLong() < ts || (old.path("timestamp").asLong() == ts && replaces(old, record))) {
                hosts.put(host, record);
            }
        }
    }

    /** false on a live partial (its window still open); a document without the field is final. */
    static boolean isFinal(JsonNode aggregate) {
        return aggregate.path("final").asBoolean(true);
    }

    /** Whether a document of the window {@code current} shows takes its place: anything but a partial after the final one. */
    private static boolean replaces(JsonNode current, JsonNode incoming) {
        return current == null || isFinal(incoming) || !isFinal(current);
    }

    /** The marker of a row: {@link #LIVE} or {@link #FINAL}. */
    static String marker(JsonNode aggregate) {
        return isFinal(aggregate) ? FINAL : LIVE;
    }

    public synchronized void jobStatus(String state, long kafkaLag, long lastCheckpointMillis) {
        this.jobState = state;
        this.kafkaLag = kafkaLag;
        this.lastCheckpointMillis = lastCheckpointMillis;
    }

    public synchronized int agentCount() {
        return agents.size();
    }

    /**
     * Always shows this process (host/pid) in the table, marked: the pipeline's own process in
     * {@code akmon run}, so what monitoring costs is on the screen.
     */
    public synchronized void showAlways(String host, int pid) {
        this.self = host + "/" + pid;
    }

    private boolean isSelf(JsonNode p) {
        return self != null && self.equals(p.path("host").asText() + "/" + p.path("pid").asInt());
    }

    public synchronized List<JsonNode> topProcesses(int n) {
        List<JsonNode> list = new ArrayList<>(processes.values());
        list.sort(Comparator.comparingDouble((JsonNode p) -> p.path("cpu_pct").asDouble()).reversed()
                .thenComparing(p -> -p.path("rss_bytes").asLong()));
        List<JsonNode> top = new ArrayList<>(list.subList(0, Math.min(n, list.size())));
        JsonNode mine = self == null ? null : processes.get(self);
        if (mine != null && !top.contains(mine) && !top.isEmpty()) {
            top.set(top.size() - 1, mine);
        }
        return top;
    }

    /** One JSON object for --no-ui: the pipeline's health, the host figures and the top processes. */
    public synchronized ObjectNode snapshot(long nowMillis, int top) {
        ObjectNode o = JSON.createObjectNode();
        o.put("ts", nowMillis);
        o.put("job_state", jobState);
        o.put("kafka_lag", kafkaLag);
        o.put("last_checkpoint_ms", lastCheckpointMillis);
        o.put("events_per_sec", eventsPerSecond());
        o.put("lost", lost());
        o.put("coverage", coverage());
        var hostRows = o.putArray("hosts");
        for (JsonNode h : hosts.values()) {
            ObjectNode row = hostRows.addObject();
            for (String f : HOST_FIELDS) {
                if (!h.path(f).isMissingNode()) {
                    row.set(f, h.path(f));
                }
            }
            row.put("final", isFinal(h));
        }
        var procs = o.putArray("processes");
        for (JsonNode p : topProcesses(top)) {
            ObjectNode row = procs.addObject();
            for (String f : List.of("host", "pid", "comm", "cpu_pct", "rss_bytes", "disk_read_bytes", "disk_write_bytes",
                    "net_bytes_sent_per_sec", "net_bytes_received_per_sec", "syscall_count")) {
                row.set(f, p.path(f));
            }
            row.put("self", isSelf(p));
            row.put("final", isFinal(p));
        }
        var al = o.putArray("alerts");
        alerts.forEach(al::add);
        return o;
    }

    private double eventsPerSecond() {
        return rates.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    private long lost() {
        long sum = 0;
        for (JsonNode a : agents.values()) {
            sum += a.path("kernel_lost").asLong() + a.path("spool_full_dropped").asLong() + a.path("shed_dropped").asLong();
        }
        return sum;
    }

    private double coverage() {
        double min = 1.0;
        for (JsonNode h : hosts.values()) {
            min = Math.min(min, h.path("coverage").asDouble(1.0));
        }
        return min;
    }

    /** The screen: a header with the pipeline's health, the process table, recent alerts. */
    public synchronized String render(long nowMillis, int width, int rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "akmon  %s  job %s  lag %s  checkpoint %s  events/s %,.0f  lost %,d  coverage %.4f%n",
                CLOCK.format(Instant.ofEpochMilli(nowMillis)), jobState, kafkaLag < 0 ? "?" : Long.toString(kafkaLag),
                lastCheckpointMillis <= 0 ? "none yet" : ((nowMillis - lastCheckpointMillis) / 1000) + "s ago",
                eventsPerSecond(), lost(), coverage()));
        for (JsonNode h : hosts.values()) {
            // The kernel's figures (/proc/stat, /proc/meminfo) when the agent sends host records; else the traced tasks'.
            boolean kernel = h.path("cpu_interval_ns").asLong() > 0;
            sb.append(String.format(Locale.ROOT, "host %-16s %-5s cpu %6.1f%%  mem used %9s avail %9s  rss %9s  disk r/w %9s %9s  net tx/rx %9s/s %9s/s  procs %d%n",
                    h.path("host").asText(), marker(h), kernel ? h.path("cpu_busy_pct").asDouble() : h.path("cpu_pct").asDouble(),
                    kernel ? bytes(h.path("mem_used_bytes").asLong()) : "-", kernel ? bytes(h.path("mem_available_bytes").asLong()) : "-",
                    bytes(h.path("rss_bytes").asLong()),
                    bytes(h.path("disk_read_bytes").asLong()), bytes(h.path("disk_write_bytes").asLong()),
                    bytes((long) h.path("net_bytes_sent_per_sec").asDouble()), bytes((long) h.path("net_bytes_received_per_sec").asDouble()),
                    h.path("live_processes").asLong()));
        }
        List<JsonNode> table = topProcesses(Math.max(1, rows - 13));
        sb.append(String.format(Locale.ROOT, "%n%s%n%7s %-16s %6s %9s %9s %9s %10s %10s %11s  %s%n", windowLine(table),
                "PID", "COMM", "CPU%", "RSS", "DISK R", "DISK W", "NET TX/s", "NET RX/s", "SYSCALLS/s", "WINDOW"));
        double windowSeconds = 0;
        int shown = 0;
        boolean marked = false;
        for (JsonNode p : table) {
            windowSeconds = (p.path("window_end").asLong() - p.path("timestamp").asLong()) / 1000.0;
            boolean mine = isSelf(p);
            marked |= mine;
            sb.append(String.format(Locale.ROOT, "%7d %-16.16s %6.1f %9s %9s %9s %10s %10s %11.0f  %s%n",
                    p.path("pid").asInt(), mine ? p.path("comm").asText() + " *" : p.path("comm").asText(), p.path("cpu_pct").asDouble(),
                    p.path("rss_bytes").isMissingNode() || p.path("rss_bytes").isNull() ? "-" : bytes(p.path("rss_bytes").asLong()),
                    bytes(p.path("disk_read_bytes").asLong()), bytes(p.path("disk_write_bytes").asLong()),
                    bytes((long) p.path("net_bytes_sent_per_sec").asDouble()), bytes((long) p.path("net_bytes_received_per_sec").asDouble()),
                    windowSeconds > 0 ? p.path("syscall_count").asLong() / windowSeconds : 0.0, marker(p)));
            shown++;
        }
        if (shown == 0) {
            sb.append("  (waiting for the first window)\n");
        }
        if (marked) {
            sb.append("  * this akmon run: Kafka, Elasticsearch, Flink and the agent in one process\n");
        }
        sb.append("\nRECENT ALERTS\n");
        if (alerts.isEmpty()) {
            sb.append("  none\n");
        }
        for (JsonNode a : alerts) {
            String line = String.format(Locale.ROOT, "  %s %-8s %-18s %s", CLOCK.format(Instant.ofEpochMilli(a.path("last_matched").asLong(
                    a.path("timestamp").asLong()))), a.path("severity").asText(), a.path("rule").asText(), a.path("message").asText());
            sb.append(line, 0, Math.min(line.length(), Math.max(20, width))).append('\n');
        }
        return sb.toString();
    }

    /**
     * The table's window and whether it is final: live while any of its rows is a partial (figures so
     * far, over the whole window's length), final once every row is the window's final document.
     */
    private static String windowLine(List<JsonNode> table) {
        if (table.isEmpty()) {
            return "processes";
        }
        JsonNode first = table.get(0);
        boolean live = table.stream().anyMatch(p -> !isFinal(p));
        return String.format(Locale.ROOT, "processes, window %s-%s: %s", CLOCK.format(Instant.ofEpochMilli(first.path("timestamp").asLong())),
                CLOCK.format(Instant.ofEpochMilli(first.path("window_end").asLong())),
                live ? "live (still open: its figures so far, replaced by the final ones when it closes)" : "final (closed, exact)");
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + "B";
        }
        String[] units = {"K", "M", "G", "T"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f%s", v, units[u]);
    }
}

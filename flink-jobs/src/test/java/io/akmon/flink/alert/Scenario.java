package io.akmon.flink.alert;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.aggregate.DiskAggregate;
import io.akmon.flink.aggregate.HostAggregate;
import io.akmon.flink.aggregate.ProcessAggregate;
import io.akmon.flink.alert.rules.RuleSet;
import io.akmon.flink.ingest.Event;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Builds facts the way the job does (from parsed events and aggregates) and runs rules over them. */
final class Scenario {
    static final long T0 = 1_700_000_000_000L;
    static final long SECOND = 1000L;

    final List<Fact> facts = new ArrayList<>();
    private long seq;

    Event event(String type, String host, int pid, String comm, long tsMs) {
        Event e = new Event();
        e.type = type;
        e.schemaVersion = 1;
        e.host = host;
        e.bootId = "boot-" + host;
        e.cpu = 0;
        e.seq = ++seq;
        e.ts = tsMs * 1_000_000L;
        e.pid = pid;
        e.comm = comm;
        return e;
    }

    Scenario add(Event e) {
        facts.add(Facts.of(e));
        return this;
    }

    Scenario add(Aggregate a) {
        facts.add(Facts.of(a));
        return this;
    }

    Scenario exit(String host, int pid, String comm, int code, int signal, long tsMs) {
        Event e = event("exit", host, pid, comm, tsMs);
        e.ppid = 1;
        e.exitCode = code;
        e.signal = signal;
        return add(e);
    }

    Scenario fork(String host, int parent, int child, long tsMs) {
        Event e = event("fork", host, child, "parent", tsMs);
        e.ppid = parent;
        return add(e);
    }

    Scenario exec(String host, int pid, int ppid, String comm, long tsMs) {
        Event e = event("exec", host, pid, comm, tsMs);
        e.ppid = ppid;
        return add(e);
    }

    Scenario memory(String host, int pid, String event, long rss, long tsMs) {
        Event e = event("memory", host, pid, "hog", tsMs);
        e.event = event;
        e.rssBytes = rss;
        e.rssMaxBytes = rss;
        return add(e);
    }

    Scenario net(String host, int pid, String event, String daddr, int dport, long tsMs) {
        Event e = event("net", host, pid, "netproc", tsMs);
        e.event = event;
        e.conn = "c" + seq;
        e.saddr = "10.0.0.1";
        e.sport = 40000;
        e.daddr = daddr;
        e.dport = dport;
        return add(e);
    }

    /** A file change; {@code newPath} for renames, else null. */
    Scenario file(String host, int pid, String comm, String op, String path, String newPath, int errno, long tsMs) {
        Event e = event("file", host, pid, comm, tsMs);
        e.op = op;
        e.path = path;
        e.newPath = newPath;
        e.errno = errno;
        return add(e);
    }

    Scenario process(String host, int pid, String resolution, long startMs, double cpuPct) {
        ProcessAggregate a = new ProcessAggregate();
        window(a, ProcessAggregate.KIND, resolution, host, pid + "", startMs);
        a.pid = pid;
        a.comm = "busy";
        a.cpuPct = cpuPct;
        return add(a);
    }

    Scenario host(String host, String resolution, long startMs, long rssBytes, double sentPerSec,
                  double receivedPerSec) {
        HostAggregate a = new HostAggregate();
        window(a, HostAggregate.KIND, resolution, host, null, startMs);
        a.rssBytes = rssBytes;
        a.netBytesSentPerSec = sentPerSec;
        a.netBytesReceivedPerSec = receivedPerSec;
        a.exitsByCode = java.util.Map.of();
        return add(a);
    }

    Scenario disk(String host, String device, String resolution, long startMs, double readIops, double writeIops) {
        DiskAggregate a = new DiskAggregate();
        window(a, DiskAggregate.KIND, resolution, host, device, startMs);
        a.device = device;
        a.readIops = readIops;
        a.writeIops = writeIops;
        return add(a);
    }

    private static void window(Aggregate a, String kind, String resolution, String host, String key, long startMs) {
        long size = resolution.equals("1m") ? 60 * SECOND : 10 * SECOND;
        a.kind = kind;
        a.resolution = resolution;
        a.host = host;
        a.timestamp = startMs;
        a.windowEnd = startMs + size;
        a.id = kind + '/' + resolution + '/' + host + (key == null ? "" : "/" + key) + '/' + startMs;
    }

    /** Runs the rules over the facts in event-time order on the test's MiniCluster; alerts in output order. */
    List<Alert> run(RuleSet rules) throws Exception {
        List<Fact> sorted = new ArrayList<>(facts);
        sorted.sort(Comparator.comparingLong(f -> f.timestamp));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        DataStream<Fact> stream = env.fromData(sorted, TypeInformation.of(Fact.class)).setParallelism(1)
                .assignTimestampsAndWatermarks(WatermarkStrategy.<Fact>forMonotonousTimestamps()
                        .withTimestampAssigner((f, ts) -> f.timestamp)).setParallelism(1);
        List<Alert> out = new ArrayList<>();
        try (CloseableIterator<Alert> it = AlertTopology.alerts(stream, rules).executeAndCollect()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    /** "rule key" of each alert, sorted: what fired, independent of output interleaving. */
    static List<String> fired(List<Alert> alerts) {
        return alerts.stream().map(a -> a.rule + " " + a.key).sorted().toList();
    }
}

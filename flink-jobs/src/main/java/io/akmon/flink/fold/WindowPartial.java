package io.akmon.flink.fold;

import io.akmon.flink.ingest.Event;

import java.util.HashMap;
import java.util.Map;

/**
 * The records of one host in one base window since the last flush, folded in memory: the host's
 * totals and one fold per process, device and connection. At a flush it is merged into keyed state for
 * every resolution (the roll-up windows take the same partial), so a record is folded once.
 */
public final class WindowPartial {
    public final Totals totals = new Totals();
    public final Map<Integer, ProcessFold> processes = new HashMap<>();
    public final Map<String, DiskFigures> disks = new HashMap<>(4);
    public final Map<String, ConnectionFigures> connections = new HashMap<>(4);

    /** Key of a connection's document: conn ids are unique per boot. */
    public static String connectionKey(Event e) {
        return e.conn + '@' + e.bootId;
    }

    /**
     * Folds a later partial of the same window into this one, as merging both into keyed state one after
     * the other would: the same merges in the same order, in memory.
     */
    public void merge(WindowPartial later) {
        totals.merge(later.totals);
        for (Map.Entry<Integer, ProcessFold> e : later.processes.entrySet()) {
            ProcessFold f = processes.get(e.getKey());
            if (f == null) {
                f = new ProcessFold();
                processes.put(e.getKey(), f);
            }
            f.merge(e.getValue());
        }
        for (Map.Entry<String, DiskFigures> e : later.disks.entrySet()) {
            DiskFigures d = disks.get(e.getKey());
            disks.put(e.getKey(), (d == null ? new DiskFigures() : d).merge(e.getValue()));
        }
        for (Map.Entry<String, ConnectionFigures> e : later.connections.entrySet()) {
            ConnectionFigures c = connections.get(e.getKey());
            connections.put(e.getKey(), (c == null ? new ConnectionFigures() : c).merge(e.getValue()));
        }
    }

    public void add(Event e, String streamKey) {
        totals.add(e, streamKey);
        if (ProcessFold.concernsProcess(e)) {
            ProcessFold p = processes.get(e.pid);
            if (p == null) {
                p = new ProcessFold();
                processes.put(e.pid, p);
            }
            p.add(e);
        }
        if ("fork".equals(e.type) && e.ppid > 0 && e.ppid != e.pid) {
            // The parent's count: the same record, folded once more under the parent's pid in the same
            // host's window, so it is exactly as deduplicated as the record itself.
            ProcessFold parent = processes.get(e.ppid);
            if (parent == null) {
                parent = new ProcessFold();
                processes.put(e.ppid, parent);
            }
            parent.childForked();
        }
        if ("disk".equals(e.type)) {
            disks.computeIfAbsent(e.device, k -> new DiskFigures()).add(e);
        } else if ("net".equals(e.type) && e.ifCounters == null) {
            connections.computeIfAbsent(connectionKey(e), k -> new ConnectionFigures()).add(e);
        }
    }
}

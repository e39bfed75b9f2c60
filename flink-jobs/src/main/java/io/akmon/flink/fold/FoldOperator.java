package io.akmon.flink.fold;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.aggregate.HostAggregate;
import io.akmon.flink.config.JobOptions;
import io.akmon.flink.dedup.HostStreams;
import io.akmon.flink.emit.Documents;
import io.akmon.flink.emit.HostHistory;
import io.akmon.flink.ingest.DeadLetter;
import io.akmon.flink.ingest.Event;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The job's one keyed pass, per host: deduplicate each record by (host, boot id, cpu, seq), fold it
 * into its host's window in memory, and emit the host's documents when the watermark closes a window.
 *
 * <p>Mini-batch: records fold into {@link WindowPartial}s in memory. When the watermark advances they
 * join their processes' sessions and the open base windows' folds, still in memory; a window's fold is
 * merged into keyed state (per resolution, namespace = window start) when the watermark closes it, and
 * every fold in {@link #prepareSnapshotPreBarrier} and at the end of input, so keyed state is complete at
 * every checkpoint barrier and nothing in memory needs checkpointing. A record costs no state access; a
 * watermark costs one session read and write per process with records since the last one; a window
 * costs one read and write per resolution and per process, device and connection in it. The roll-up
 * resolutions take the same folds, so a record is folded once.
 *
 * <p>Windows behave as Flink's tumbling event-time windows with allowed lateness: a window is emitted
 * when the watermark passes its end, a late record within the allowed lateness updates and re-emits its
 * documents at once, and a window's state is dropped once the lateness has passed. Records too late
 * even for that go to {@link #LATE}. A host's deduplication and history state is dropped once the host
 * has been silent for the stream idle timeout, so state drains to nothing.
 */
public class FoldOperator extends AbstractStreamOperator<Aggregate>
        implements OneInputStreamOperator<Event, Aggregate>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    public static final OutputTag<DeadLetter> LATE = new OutputTag<>("late-records") { };
    /**
     * Live partials: every live interval, the documents of the open windows that received records since the
     * last interval, with {@code final: false}, under the ids the final documents then replace. They are
     * what has arrived so far, not yet exact; only Elasticsearch and the live topic get them (the job wires
     * them there), so the aggregates topic stays one exact document per window.
     */
    public static final OutputTag<Aggregate> LIVE = new OutputTag<>("live-aggregates",
            io.akmon.flink.aggregate.AggregateTypeInfo.INSTANCE);
    static final TypeInformation<DiskFigures> DISK = TypeInformation.of(DiskFigures.class);
    static final TypeInformation<ConnectionFigures> CONNECTION = TypeInformation.of(ConnectionFigures.class);

    private final long[] sizes;
    private final String[] labels;
    private final long latenessMillis;
    private final long holdMillis;
    private final long streamIdleMillis;
    private final long processIdleMillis;
    /** How often live partials are emitted; 0 = never. */
    private final long liveMillis;

    private transient ValueStateDescriptor<HostStreams> streamsDescriptor;
    private transient Resolution[] resolutions;
    /**
     * One timer service for all timers, so they fire in event-time order whatever their kind: the
     * namespace is {@code window start * TIMER_KINDS + resolution index}, or {@link #IDLE} for the
     * host's idle timer.
     */
    private transient InternalTimerService<Long> timers;
    private static final long TIMER_KINDS = 8;
    private static final long IDLE = Long.MIN_VALUE;
    private transient Map<String, HostStreams> streams;
    private transient Set<String> dirty;
    private transient Map<String, Map<Long, WindowPartial>> batch;
    /** Per host, the open base windows' records folded so far, not yet in keyed state (see {@link #flushClosedBy}). */
    private transient Map<String, Map<Long, WindowPartial>> openWindows;
    private transient long watermark;
    private transient StreamRecord<Aggregate> out;
    private transient Counter duplicates;
    private transient Counter lateRecords;
    /** Per host, the base windows folded into since the last live emission, with what changed in them. */
    private transient Map<String, Map<Long, LiveChanges>> live;
    private transient Sessions sessions;
    /** The resolution at whose windows live sessions are emitted: 1 min, else the largest. */
    private transient int rollUp;

    public FoldOperator(List<Duration> sizes, Duration allowedLateness, Duration dedupHold, Duration streamIdle,
                        Duration processIdle) {
        this(sizes, allowedLateness, dedupHold, streamIdle, processIdle, Duration.ZERO);
    }

    /** @param liveInterval how often the open windows' live partials go to {@link #LIVE}; zero for never */
    public FoldOperator(List<Duration> sizes, Duration allowedLateness, Duration dedupHold, Duration streamIdle,
                        Duration processIdle, Duration liveInterval) {
        if (dedupHold.compareTo(sizes.get(0).plus(allowedLateness)) < 0) {
            throw new IllegalArgumentException("dedup hold must cover window size plus allowed lateness");
        }
        if (streamIdle.compareTo(dedupHold) <= 0) {
            throw new IllegalArgumentException("stream idle timeout must exceed the dedup hold");
        }
        this.sizes = sizes.stream().mapToLong(Duration::toMillis).toArray();
        this.labels = sizes.stream().map(JobOptions::label).toArray(String[]::new);
        this.latenessMillis = allowedLateness.toMillis();
        this.holdMillis = dedupHold.toMillis();
        this.streamIdleMillis = streamIdle.toMillis();
        this.processIdleMillis = processIdle.toMillis();
        this.liveMillis = liveInterval.toMillis();
    }

    public static FoldOperator of(JobOptions o) {
        return of(o, true);
    }

    /** @param live whether anything reads {@link #LIVE} (an Elasticsearch sink, the live topic); if not, none are made */
    public static FoldOperator of(JobOptions o, boolean live) {
        return new FoldOperator(o.resolutions(), o.allowedLateness, o.dedupHoldOrDefault(), o.streamIdleTimeout,
                o.processIdleTimeout, live ? o.liveInterval : Duration.ZERO);
    }

    /** State and timers of one resolution; state names and timer names carry its label. */
    private final class Resolution {
        final int index;
        final long size;
        final Documents documents;
        final ValueStateDescriptor<Totals> totals;
        final MapStateDescriptor<Integer, ProcessFold> processes;
        final MapStateDescriptor<String, DiskFigures> disks;
        final MapStateDescriptor<String, ConnectionFigures> connections;
        final ValueStateDescriptor<HostHistory> history;

        Resolution(int index) {
            this.index = index;
            this.size = sizes[index];
            String l = labels[index];
            documents = new Documents(l, processIdleMillis, streamIdleMillis, latenessMillis);
            totals = new ValueStateDescriptor<>("totals-" + l, FoldSerializers.TotalsSerializer.INSTANCE);
            processes = new MapStateDescriptor<>("processes-" + l, IntSerializer.INSTANCE,
                    FoldSerializers.ProcessFoldSerializer.INSTANCE);
            disks = new MapStateDescriptor<>("disks-" + l, StringSerializer.INSTANCE,
                    DISK.createSerializer(getExecutionConfig().getSerializerConfig()));
            connections = new MapStateDescriptor<>("connections-" + l, StringSerializer.INSTANCE,
                    CONNECTION.createSerializer(getExecutionConfig().getSerializerConfig()));
            history = new ValueStateDescriptor<>("history-" + l, HostHistory.Serializer.INSTANCE);
        }

        /** A timer of this resolution's window: at its end, and when its lateness has passed. */
        void registerTimer(long start, long time) {
            timers.registerEventTimeTimer(start * TIMER_KINDS + index, time);
        }

        long start(long tsMs) {
            return tsMs - Math.floorMod(tsMs, size);
        }

        long max(long start) {
            return start + size - 1;
        }

        <S extends State> S state(long start, StateDescriptor<S, ?> d) throws Exception {
            return getKeyedStateBackend().getPartitionedState(start, LongSerializer.INSTANCE, d);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        if (!(DISK.createSerializer(getExecutionConfig().getSerializerConfig()) instanceof PojoSerializer)) {
            throw new IllegalStateException("DiskFigures must be a Flink POJO");
        }
        streamsDescriptor = new ValueStateDescriptor<>("dedup-streams", HostStreams.Serializer.INSTANCE);
        resolutions = new Resolution[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            resolutions[i] = new Resolution(i);
        }
        if (sizes.length >= TIMER_KINDS) {
            throw new IllegalArgumentException("at most " + (TIMER_KINDS - 1) + " resolutions");
        }
        timers = getInternalTimerService("timers", LongSerializer.INSTANCE, new Triggerable<String, Long>() {
            @Override
            public void onEventTime(InternalTimer<String, Long> timer) throws Exception {
                long ns = timer.getNamespace();
                if (ns == IDLE) {
                    onIdleTimer(timer.getTimestamp());
                } else {
                    onWindowTimer(resolutions[(int) Math.floorMod(ns, TIMER_KINDS)], Math.floorDiv(ns, TIMER_KINDS),
                            timer.getTimestamp());
                }
            }

            @Override
            public void onProcessingTime(InternalTimer<String, Long> timer) {
            }
        });
        streams = new HashMap<>();
        dirty = new HashSet<>();
        batch = new HashMap<>();
        openWindows = new HashMap<>();
        watermark = Long.MIN_VALUE;
        out = new StreamRecord<>(null);
        duplicates = getMetricGroup().counter("duplicates");
        lateRecords = getMetricGroup().counter("lateRecords");
        live = new HashMap<>();
        if (liveMillis > 0) {
            scheduleLive();
        }
        sessions = new Sessions(sizes[0], processIdleMillis);
        rollUp = sizes.length - 1;
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == 60_000) {
                rollUp = i;
            }
        }
    }

    private String host() {
        return (String) getCurrentKey();
    }

    @Override
    public void processElement(StreamRecord<Event> record) throws Exception {
        Event e = record.getValue();
        long ts = e.timestampMillis();
        if (HostStreams.isLate(ts, watermark, sizes[0], latenessMillis)) {
            lateRecords.inc();
            output.collect(LATE, new StreamRecord<>(new DeadLetter("late: event time " + ts + " ms is behind the watermark "
                    + watermark + " ms beyond the allowed lateness", null, -1, -1, e.toString()), ts));
            return;
        }
        String host = host();
        String streamKey = e.streamKey();
        if (!streamsOf(host, ts).admit(streamKey, e.seq, ts)) {
            duplicates.inc();
            return;
        }
        long start = resolutions[0].start(ts);
        if (resolutions[0].max(start) <= watermark) {
            dirty.add(host);
            lateRecord(e, streamKey, host);
            return;
        }
        Map<Long, WindowPartial> windows = batch.get(host);
        if (windows == null) {
            windows = new HashMap<>(4);
            batch.put(host, windows);
        }
        WindowPartial p = windows.get(start);
        if (p == null) {
            p = new WindowPartial();
            windows.put(start, p);
        }
        p.add(e, streamKey);
    }

    /** The host's deduplication state, read from keyed state once and then kept in memory. */
    private HostStreams streamsOf(String host, long tsMs) throws Exception {
        HostStreams s = streams.get(host);
        if (s == null) {
            s = getPartitionedState(streamsDescriptor).value();
            if (s == null) {
                s = new HostStreams();
                timers.registerEventTimeTimer(IDLE, roundUpToSecond(tsMs + streamIdleMillis));
            }
            streams.put(host, s);
        }
        return s;
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (mark.getTimestamp() > watermark) {
            flushClosedBy(mark.getTimestamp());
            writeDeduplication();
            watermark = mark.getTimestamp();
        }
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    /** Also here, before the keyed state is snapshotted, in case a snapshot comes without a barrier. */
    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        flush();
        super.snapshotState(context);
    }

    @Override
    public void endInput() throws Exception {
        flush();
    }

    /** Merges the in-memory partials into keyed state and writes back changed deduplication state. */
    void flush() throws Exception {
        flushClosedBy(Long.MAX_VALUE);
        writeDeduplication();
    }

    /** Writes back the deduplication state of the hosts that changed. */
    private void writeDeduplication() throws Exception {
        for (String host : dirty) {
            HostStreams s = streams.get(host);
            if (s != null) {
                setCurrentKey(host);
                getPartitionedState(streamsDescriptor).update(HostStreams.Serializer.INSTANCE.copy(s));
            }
        }
        dirty.clear();
    }

    /**
     * Folds the records since the last watermark into their sessions (as before) and into the open windows'
     * folds in memory ({@link #openWindows}), and merges the windows that a watermark of {@code watermark} closes
     * into keyed state, so their timers read complete state. An open window stays in memory until then:
     * a process costs one state read and write per window and resolution, not one per watermark.
     * Windows go to state oldest first, so memory only ever holds windows newer than the watermark, and a
     * record for a window whose end the watermark has passed goes to state directly ({@link #processElement}).
     */
    private void flushClosedBy(long watermark) throws Exception {
        for (Map.Entry<String, Map<Long, WindowPartial>> h : batch.entrySet()) {
            setCurrentKey(h.getKey());
            Sessions.Host s = sessionsOf(h.getKey());
            Map<Long, WindowPartial> folded = openWindows.computeIfAbsent(h.getKey(), k -> new HashMap<>(4));
            // In window order, so a reused pid's earlier life ends before the next one starts.
            for (Map.Entry<Long, WindowPartial> w : new java.util.TreeMap<>(h.getValue()).entrySet()) {
                for (Resolution r : resolutions) {
                    // The window's timers, at the flush after its first records as before, so timers of
                    // equal time keep their order; registering again is a no-op.
                    long start = r.start(w.getKey());
                    r.registerTimer(start, r.max(start) + latenessMillis);
                    if (r.max(start) > this.watermark) {
                        r.registerTimer(start, r.max(start));
                    }
                }
                folded.computeIfAbsent(w.getKey(), k -> new WindowPartial()).merge(w.getValue());
                if (liveMillis > 0) {
                    live.computeIfAbsent(h.getKey(), k -> new HashMap<>(4))
                            .computeIfAbsent(w.getKey(), k -> new LiveChanges()).add(w.getValue());
                }
                sessions.add(s, w.getKey(), w.getValue().processes);
            }
            dirty.add(h.getKey());
        }
        batch.clear();
        for (java.util.Iterator<Map.Entry<String, Map<Long, WindowPartial>>> hosts = openWindows.entrySet().iterator();
             hosts.hasNext(); ) {
            Map.Entry<String, Map<Long, WindowPartial>> h = hosts.next();
            boolean keySet = false;
            for (Map.Entry<Long, WindowPartial> w : new java.util.TreeMap<>(h.getValue()).entrySet()) {
                if (resolutions[0].max(w.getKey()) > watermark) {
                    break;
                }
                if (!keySet) {
                    setCurrentKey(h.getKey());
                    keySet = true;
                }
                for (Resolution r : resolutions) {
                    merge(r, r.start(w.getKey()), w.getValue());
                }
                h.getValue().remove(w.getKey());
            }
            if (h.getValue().isEmpty()) {
                hosts.remove();
            }
        }
    }

    /** The current host's sessions; documents emitted with the base resolution's context of each process. */
    private Sessions.Host sessionsOf(String host) throws Exception {
        return new Sessions.Host(host, getPartitionedState(Sessions.DESCRIPTOR), pid -> {
            try {
                return history(resolutions[0]).context(pid);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, a -> emit(a, Math.max(watermark, a.windowEnd - 1)));
    }

    private void merge(Resolution r, long start, WindowPartial p) throws Exception {
        ValueState<Totals> ts = r.state(start, r.totals);
        Totals t = ts.value();
        if (t == null) {
            t = new Totals();
            r.registerTimer(start, r.max(start) + latenessMillis);
        }
        if (r.max(start) > watermark) {
            // Emit the window when the watermark passes its end; again if it was emitted before a restore
            // (the watermark starts over), as Flink's window operator does. Registering twice is a no-op.
            r.registerTimer(start, r.max(start));
        }
        t.merge(p.totals);
        ts.update(t);
        MapState<Integer, ProcessFold> processes = r.state(start, r.processes);
        for (Map.Entry<Integer, ProcessFold> e : p.processes.entrySet()) {
            ProcessFold f = processes.get(e.getKey());
            if (f == null) {
                f = new ProcessFold();
            }
            f.merge(e.getValue());
            processes.put(e.getKey(), f);
        }
        if (!p.disks.isEmpty()) {
            MapState<String, DiskFigures> disks = r.state(start, r.disks);
            for (Map.Entry<String, DiskFigures> e : p.disks.entrySet()) {
                DiskFigures d = disks.get(e.getKey());
                disks.put(e.getKey(), (d == null ? new DiskFigures() : d).merge(e.getValue()));
            }
        }
        if (!p.connections.isEmpty()) {
            MapState<String, ConnectionFigures> connections = r.state(start, r.connections);
            for (Map.Entry<String, ConnectionFigures> e : p.connections.entrySet()) {
                ConnectionFigures c = connections.get(e.getKey());
                connections.put(e.getKey(), (c == null ? new ConnectionFigures() : c).merge(e.getValue()));
            }
        }
    }

    /** A record for an emitted window, within the allowed lateness: update state, re-emit at once. */
    private void lateRecord(Event e, String streamKey, String host) throws Exception {
        WindowPartial single = new WindowPartial();
        single.add(e, streamKey);
        sessions.add(sessionsOf(host), resolutions[0].start(e.timestampMillis()), single.processes);
        for (Resolution r : resolutions) {
            long start = r.start(e.timestampMillis());
            long highestBefore = highestSeq(r, start, streamKey);
            WindowPartial p = new WindowPartial();
            p.add(e, streamKey);
            merge(r, start, p);
            if (r.max(start) > watermark) {
                continue;
            }
            HostHistory history = history(r);
            HostAggregate h = hostDocument(r, host, start, history);
            long end = start + r.size;
            emit(h, r.max(start));
            if (e.seq > highestBefore) {
                reEmitNextWindowOf(r, host, start, streamKey);
            }
            if (ProcessFold.isProcessRecord(e)) {
                emit(r.documents.process(host, e.pid, start, end, r.state(start, r.processes).get(e.pid),
                        history.resident(e.pid), history.context(e.pid), h.coverage), r.max(start));
            }
            if ("fork".equals(e.type) && e.ppid > 0 && e.ppid != e.pid) { // the parent's children_forked
                emit(r.documents.process(host, e.ppid, start, end, r.state(start, r.processes).get(e.ppid),
                        history.resident(e.ppid), history.context(e.ppid), h.coverage), r.max(start));
            }
            if (!p.disks.isEmpty()) {
                emit(r.documents.disk(host, e.device, start, end, r.state(start, r.disks).get(e.device), h.coverage),
                        r.max(start));
            }
            if (e.ifCounters != null) {
                emitInterfaces(r, host, start, h.coverage, r.max(start));
            }
            if (!p.connections.isEmpty()) {
                String conn = WindowPartial.connectionKey(e);
                emit(r.documents.connection(host, conn, start, end, r.state(start, r.connections).get(conn),
                        h.coverage), r.max(start));
            }
        }
    }

    /** The highest seq of the stream in the window, or Long.MIN_VALUE if it has none there. */
    private long highestSeq(Resolution r, long start, String streamKey) throws Exception {
        Totals t = r.state(start, r.totals).value();
        long[] s = t == null ? null : t.streams.get(streamKey);
        return s == null ? Long.MIN_VALUE : s[2];
    }

    /**
     * A late record raised its stream's highest seq in an emitted window: the stream's next emitted
     * window counted the numbers up to it as missing, so its host document is emitted again.
     */
    private void reEmitNextWindowOf(Resolution r, String host, long start, String streamKey) throws Exception {
        for (long next = start + r.size; r.max(next) <= watermark; next += r.size) {
            if (highestSeq(r, next, streamKey) != Long.MIN_VALUE) {
                emit(hostDocument(r, host, next, history(r)), r.max(next));
                return;
            }
        }
    }

    private HostHistory history(Resolution r) throws Exception {
        HostHistory history = getPartitionedState(r.history).value();
        return history == null ? new HostHistory() : history;
    }

    /** The host document; updates and stores {@code history}. */
    private HostAggregate hostDocument(Resolution r, String host, long start, HostHistory history) throws Exception {
        HostAggregate h = r.documents.host(host, start, start + r.size, r.state(start, r.totals).value(),
                r.state(start, r.processes).entries(), history);
        getPartitionedState(r.history).update(history);
        return h;
    }

    /** One document per network interface of the host window (its counters live in the host's totals). */
    private void emitInterfaces(Resolution r, String host, long start, double coverage, long time) throws Exception {
        Totals t = r.state(start, r.totals).value();
        if (t != null && t.interfaces != null) {
            for (Map.Entry<String, long[]> i : t.interfaces.entrySet()) {
                emit(r.documents.iface(host, i.getKey(), start, start + r.size, i.getValue(), coverage), time);
            }
        }
    }

    private void emit(Aggregate a, long timestamp) {
        if (a != null) {
            output.collect(out.replace(a, timestamp));
        }
    }

    /** What a base window received since the last live emission: which of its documents to send again. */
    private static final class LiveChanges {
        final Set<Integer> pids = new HashSet<>();
        final Set<String> disks = new HashSet<>();
        final Set<String> connections = new HashSet<>();

        void add(WindowPartial p) {
            pids.addAll(p.processes.keySet());
            disks.addAll(p.disks.keySet());
            connections.addAll(p.connections.keySet());
        }
    }

    /** In processing time, on the task's own thread, so it runs between records like a watermark does. */
    private void scheduleLive() {
        getProcessingTimeService().registerTimer(getProcessingTimeService().getCurrentProcessingTime() + liveMillis,
                now -> {
                    flush();
                    emitLive();
                    scheduleLive();
                });
    }

    /**
     * The live partials of the windows folded into since the last call that the watermark has not closed:
     * at every resolution, the host document and the changed process, disk and connection documents. The
     * host's history is read, not updated (a copy), so the final document comes out as without partials.
     */
    void emitLive() throws Exception {
        for (Map.Entry<String, Map<Long, LiveChanges>> h : live.entrySet()) {
            String host = h.getKey();
            setCurrentKey(host);
            for (Resolution r : resolutions) {
                Map<Long, LiveChanges> open = new HashMap<>(4);
                for (Map.Entry<Long, LiveChanges> w : h.getValue().entrySet()) {
                    long start = r.start(w.getKey());
                    if (r.max(start) > watermark) {
                        LiveChanges c = open.computeIfAbsent(start, k -> new LiveChanges());
                        c.pids.addAll(w.getValue().pids);
                        c.disks.addAll(w.getValue().disks);
                        c.connections.addAll(w.getValue().connections);
                    }
                }
                for (Map.Entry<Long, LiveChanges> w : open.entrySet()) {
                    emitLive(r, host, w.getKey(), w.getValue());
                }
            }
        }
        live.clear();
    }

    private void emitLive(Resolution r, String host, long start, LiveChanges changes) throws Exception {
        Totals totals = r.state(start, r.totals).value();
        if (totals == null) {
            return;
        }
        long end = start + r.size;
        long time = r.max(start);
        HostHistory history = HostHistory.Serializer.INSTANCE.copy(history(r));
        HostAggregate h = r.documents.host(host, start, end, totals, r.state(start, r.processes).entries(), history);
        emitLive(h, time);
        MapState<Integer, ProcessFold> processes = r.state(start, r.processes);
        for (Integer pid : changes.pids) {
            emitLive(r.documents.process(host, pid, start, end, processes.get(pid), history.resident(pid),
                    history.context(pid), h.coverage), time);
        }
        for (String device : changes.disks) {
            emitLive(r.documents.disk(host, device, start, end, r.state(start, r.disks).get(device), h.coverage), time);
        }
        for (String conn : changes.connections) {
            emitLive(r.documents.connection(host, conn, start, end, r.state(start, r.connections).get(conn),
                    h.coverage), time);
        }
    }

    private void emitLive(Aggregate a, long timestamp) {
        if (a != null) {
            a.isFinal = false;
            output.collect(LIVE, new StreamRecord<>(a, timestamp));
        }
    }

    private void onWindowTimer(Resolution r, long start, long time) throws Exception {
        String host = host();
        if (time == r.max(start)) {
            HostHistory history = history(r);
            HostAggregate h = hostDocument(r, host, start, history);
            emit(h, time);
            long end = start + r.size;
            Set<Integer> shown = new HashSet<>();
            for (Map.Entry<Integer, ProcessFold> p : r.state(start, r.processes).entries()) {
                emit(r.documents.process(host, p.getKey(), start, end, p.getValue(), history.resident(p.getKey()),
                        history.context(p.getKey()), h.coverage), time);
                shown.add(p.getKey());
            }
            // Live processes without a record in the window still hold their memory.
            for (Integer pid : history.residentPids()) {
                if (!shown.contains(pid)) {
                    emit(r.documents.process(host, pid, start, end, null, history.resident(pid), history.context(pid),
                            h.coverage), time);
                }
            }
            if (r.index == 0) {
                sessions.windowEmitted(sessionsOf(host), start, r.state(start, r.processes).keys(), h.coverage);
            }
            if (r.index == rollUp) {
                sessions.rollUp(sessionsOf(host));
            }
            for (Map.Entry<String, DiskFigures> d : r.state(start, r.disks).entries()) {
                emit(r.documents.disk(host, d.getKey(), start, end, d.getValue(), h.coverage), time);
            }
            for (Map.Entry<String, ConnectionFigures> c : r.state(start, r.connections).entries()) {
                emit(r.documents.connection(host, c.getKey(), start, end, c.getValue(), h.coverage), time);
            }
            emitInterfaces(r, host, start, h.coverage, time);
            if (r.index == 0) {
                // Settling gaps needs only event time: do it as the host's base windows pass.
                HostStreams s = streamsOf(host, time);
                s.expire(time, holdMillis, streamIdleMillis);
                dirty.add(host);
            }
        }
        if (time == r.max(start) + latenessMillis) {
            if (r.index == 0) {
                HostHistory history = history(r);
                sessions.expire(sessionsOf(host()), start + r.size, time, pid -> history.resident(pid) != null);
            }
            r.state(start, r.totals).clear();
            r.state(start, r.processes).clear();
            r.state(start, r.disks).clear();
            r.state(start, r.connections).clear();
        }
    }

    /** The host has been silent: settle, forget idle streams, and drop the host when nothing is left. */
    private void onIdleTimer(long time) throws Exception {
        String host = host();
        HostStreams s = streamsOf(host, time);
        if (s.expire(time, holdMillis, streamIdleMillis)) {
            streams.remove(host);
            dirty.remove(host);
            getPartitionedState(streamsDescriptor).clear();
            sessions.clear(sessionsOf(host));
            for (Resolution r : resolutions) {
                getPartitionedState(r.history).clear();
            }
        } else {
            dirty.add(host);
            long next = roundUpToSecond(Math.max(s.lastSeenMs() + streamIdleMillis, time + 1));
            timers.registerEventTimeTimer(IDLE, next);
        }
    }

    private static long roundUpToSecond(long millis) {
        return Math.floorDiv(millis + 999, 1000) * 1000;
    }
}

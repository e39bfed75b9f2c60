package io.akmon.agent;

import io.akmon.agent.decode.Layout;
import io.akmon.agent.decode.RecordDecoder;
import io.akmon.agent.decode.SyscallNames;
import io.akmon.agent.drain.AgentStream;
import io.akmon.agent.drain.ConnectionTracker;
import io.akmon.agent.drain.DrainSource;
import io.akmon.agent.host.HostSampler;
import io.akmon.agent.host.InitialMemory;
import io.akmon.agent.drain.MapDrainer;
import io.akmon.agent.drain.ProcessTable;
import io.akmon.agent.event.Event;
import io.akmon.agent.host.HostIdentity;
import io.akmon.agent.loader.BpfMap;
import io.akmon.agent.loader.BpfObject;
import io.akmon.agent.loader.ChangedSet;
import io.akmon.agent.loader.KernelFeatures;
import io.akmon.agent.loader.LibbpfLog;
import io.akmon.agent.loader.Native;
import io.akmon.agent.loader.ObjectLoader;
import io.akmon.agent.loader.ProgramCost;
import io.akmon.agent.loader.ProgramStats;
import io.akmon.agent.loader.Privileges;
import io.akmon.agent.loader.Probe;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.publish.EventSink;
import io.akmon.agent.redact.RedactingSink;
import io.akmon.agent.ringbuf.KernelReader;
import io.akmon.agent.ringbuf.PerfBufferReader;
import io.akmon.agent.ringbuf.RecordHandler;
import io.akmon.agent.ringbuf.RingBufferReader;
import io.akmon.schema.Fields;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The running agent: probes loaded and attached, the kernel buffer read on one thread, the in-kernel
 * counters drained on another, every record handed to the sink. {@link #close()} detaches every
 * program first, then reads and drains what the kernel produced up to that moment.
 */
public final class Agent implements AutoCloseable {
    private static final int MIN_MAJOR = 5;
    private static final int MIN_MINOR = 15;

    private final AgentSettings settings;
    private final EventSink sink;
    private final PrintStream log;
    private final BpfObject object;
    private final KernelReader reader;
    private final MapDrainer drainer;
    private final ConnectionTracker connections;
    private final ProcessTable processes;
    private final RecordDecoder decoder;
    private final ScheduledExecutorService drainThread;
    private final List<Probe> running;
    private final ProgramStats programStats;
    private final Object healthLock = new Object();
    private Map<String, ProgramCost> healthBase = Map.of();
    private final List<String> warnings;
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong transportLost = new AtomicLong();
    /** {@link #records} when the reader thread last flushed the sink. */
    private long flushedAt;
    private final io.akmon.agent.heartbeat.Progress progress;
    private volatile boolean closed;

    private Agent(AgentSettings settings, EventSink sink, PrintStream log, Plan plan) {
        this.settings = settings;
        this.sink = RedactingSink.around(sink, settings.redaction); // before any record reaches a sink
        this.log = log;
        this.warnings = new ArrayList<>(plan.warnings);
        HostIdentity identity = HostIdentity.local(settings.host);
        this.decoder = new RecordDecoder(identity);
        this.processes = new ProcessTable();
        LibbpfLog.setVerbose(settings.verbose);

        ObjectLoader.Loaded loaded = new ObjectLoader(this::warn).load(loadOptions(settings), plan.probes);
        this.object = loaded.object();
        try {
            Map<String, BpfMap> maps = new HashMap<>();
            for (String m : List.of("syscall_counts", "proc_stats", "disk_io", "file_io", "udp_flows", "drops",
                    "conns", "filter_pids", "filter_comms", "filter_cgroups", "agent_seq", "seqs")) {
                maps.put(m, object.map(m));
            }
            fillFilters(maps);
            if (loaded.probes().contains(Probe.FILE_EXIT)) {
                io.akmon.agent.loader.PathFilters.fill(object.map("path_filters"), settings.fileInclude, settings.fileExclude);
            }
            AgentStream stream = new AgentStream(maps.get("agent_seq"), identity);
            this.connections = new ConnectionTracker(maps.get("conns"), processes, stream);
            Runnable flushCpu = loaded.probes().contains(Probe.SCHED_SWITCH) ? cpuFlusher(object) : () -> { };
            Set<Probe.Family> families = settings.enabledFamilies();
            this.drainer = new MapDrainer(maps, connections, processes, stream, new SyscallNames(),
                    new MapDrainer.Settings(settings.syscallSampleRate, families.contains(Probe.Family.CPU),
                            families.contains(Probe.Family.MEMORY)), flushCpu, drainSources(stream, families),
                    ChangedSet.install(object));
            this.drainer.exactRss(io.akmon.agent.host.ProcRss::read);

            RecordHandler handler = new RecordHandler() {
                @Override
                public void onRecord(ByteBuffer record) {
                    handle(record);
                }

                @Override
                public void onTransportLoss(int cpu, long lost) {
                    transportLost.addAndGet(lost);
                }

                /*
                 * The kernel has let go of what this round read, so it goes to the spool file now, not at the
                 * next drain: a SIGKILL then loses at most the round being read, never records the sink took.
                 */
                @Override
                public void onRoundEnd() {
                    if (records.get() != flushedAt) {
                        flushedAt = records.get();
                        sink.flush();
                    }
                }
            };
            this.reader = settings.transport == AgentSettings.Transport.PERF
                    ? new PerfBufferReader(object.lib(), object.map("perf_events").fd(), settings.perfPages, settings.perfWakeupEvents, handler)
                    : new RingBufferReader(object.lib(), object.map("events").fd(), handler);

            List<Probe> attached = new ArrayList<>();
            for (Probe p : loaded.probes()) {
                if (object.attach(p.program())) {
                    attached.add(p);
                } else if (p.required()) {
                    throw new ProbeException("cannot attach " + p.program() + " to tracepoint " + p.tracepoint() + ": "
                            + Native.describeErrno(Native.errno()) + LibbpfLog.lastLines(),
                            "run as root on Linux " + MIN_MAJOR + "." + MIN_MINOR + "+ with BTF");
                } else {
                    warn("probe " + p.program() + " (" + p.family().wireName() + ") could not attach to " + p.tracepoint()
                            + ": " + Native.describeErrno(Native.errno()) + "; continuing without it");
                }
            }
            this.running = List.copyOf(attached);
            this.programStats = ProgramStats.start(object, settings.probeStats);
            if (settings.probeStats && programStats.problem() != null) {
                // expected when least-privileged (BPF_ENABLE_STATS takes CAP_SYS_ADMIN): said, not a warning
                note("no per-program cost figures: " + programStats.problem());
            }
            reader.start();
            this.progress = new io.akmon.agent.heartbeat.Progress(reader::pollRounds,
                    () -> identity.toEpochNs(io.akmon.agent.host.HostIdentity.boottimeNs()));
            this.drainThread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "akmon-drain");
                t.setDaemon(true);
                return t;
            });
            drainThread.scheduleAtFixedRate(this::drainQuietly, settings.intervalMs, settings.intervalMs, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    /** Checks privileges and the kernel, loads and attaches the probes, and starts reading. */
    public static Agent start(AgentSettings settings, EventSink sink, PrintStream log) {
        settings.validate();
        Privileges.require();
        KernelFeatures features = KernelFeatures.read(Path.of(settings.btf));
        return new Agent(settings, sink, log, plan(features, settings.enabledFamilies()));
    }

    /** As {@link #start}, with the probe plan given (to run as if the kernel lacked some tracepoints). */
    static Agent start(AgentSettings settings, EventSink sink, PrintStream log, Plan plan) {
        settings.validate();
        Privileges.require();
        return new Agent(settings, sink, log, plan);
    }

    /** Which probes to load on this kernel, and what the user is told about the rest. */
    public record Plan(List<Probe> probes, List<String> warnings) {
    }

    public static Plan plan(KernelFeatures kernel, Set<Probe.Family> families) {
        int[] v = kernel.version();
        if (v[0] < MIN_MAJOR || (v[0] == MIN_MAJOR && v[1] < MIN_MINOR)) {
            throw new ProbeException("Linux " + kernel.release() + " is too old: akmon needs " + MIN_MAJOR + "." + MIN_MINOR
                    + " or newer (BPF ring buffer, BTF tracepoints, atomic fetch)", "upgrade the kernel");
        }
        List<Probe> probes = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (Probe p : Probe.values()) {
            if (!p.serves(families)) {
                continue;
            }
            if (kernel.hasTracepoint(p.tracepoint())) {
                probes.add(p);
            } else if (p.required()) {
                throw new ProbeException("this kernel (" + kernel.release() + ") has no tracepoint " + p.tracepoint()
                        + ", which the " + p.family().wireName() + " family needs",
                        "run Linux " + MIN_MAJOR + "." + MIN_MINOR + " or newer, or leave out that family with --families");
            } else {
                warnings.add("this kernel (" + kernel.release() + ") has no tracepoint " + p.tracepoint() + ": "
                        + p.family().wireName() + " data from " + p.program() + " is not collected (needs a newer kernel)");
            }
        }
        return new Plan(probes, warnings);
    }

    private ObjectLoader.Options loadOptions(AgentSettings s) {
        boolean perf = s.transport == AgentSettings.Transport.PERF;
        return new ObjectLoader.Options(s.btf, s.pinDir, !s.pids.isEmpty(),
                !s.comms.isEmpty(), !s.cgroups.isEmpty(), s.syscallSampleRate, perf, s.argvMax,
                s.effectiveRingbufWakeupBytes(), s.ringbufBytes);
    }

    /** Records each drain adds besides the maps': the host's CPU and memory, and the RSS of processes older than the agent. */
    private List<DrainSource> drainSources(AgentStream stream, Set<Probe.Family> families) {
        List<DrainSource> sources = new ArrayList<>();
        if (families.contains(Probe.Family.CPU) || families.contains(Probe.Family.MEMORY)) {
            sources.add(new HostSampler(stream)); // the host's share of the cpu and memory families
        }
        if (families.contains(Probe.Family.NET)) {
            sources.add(new io.akmon.agent.host.InterfaceSampler(stream)); // the host's interfaces, from their counters
        }
        if (families.contains(Probe.Family.MEMORY)) {
            sources.add(new InitialMemory(stream, InitialMemory.filter(settings.pids, settings.comms, settings.cgroups),
                    settings.argvMax));
        }
        return sources;
    }

    /** Credits every CPU's running task with its time so far, so interval CPU figures are exact. */
    private Runnable cpuFlusher(BpfObject obj) {
        int fd = obj.programFd(ObjectLoader.CPU_FLUSH);
        int cpus = Runtime.getRuntime().availableProcessors();
        int possible = obj.lib().libbpf_num_possible_cpus();
        return () -> {
            for (int cpu = 0; cpu < possible; cpu++) {
                int rc = obj.runOnCpu(fd, cpu);
                if (rc != 0 && cpu < cpus && !cpuFlushWarned) {
                    cpuFlushWarned = true;
                    warn("cannot flush CPU time on cpu " + cpu + " (" + Native.describeErrno(rc)
                            + "): a task that never switches out is credited when it does");
                }
            }
        };
    }

    private volatile boolean cpuFlushWarned;

    private void fillFilters(Map<String, BpfMap> maps) {
        byte[] one = {1};
        for (int pid : settings.pids) {
            maps.get("filter_pids").update(BpfMap.u32Key(pid), one, BpfMap.BPF_ANY);
        }
        for (String comm : settings.comms) {
            byte[] key = new byte[Layout.COMM_LEN];
            byte[] raw = comm.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(raw, 0, key, 0, Math.min(raw.length, Layout.COMM_LEN - 1));
            maps.get("filter_comms").update(key, one, BpfMap.BPF_ANY);
        }
        for (String cgroup : settings.cgroups) {
            long id;
            try {
                id = ((Number) Files.getAttribute(Path.of(cgroup), "unix:ino")).longValue();
            } catch (IOException | UnsupportedOperationException e) {
                throw new ProbeException("cannot read cgroup " + cgroup + ": " + e.getMessage(),
                        "pass the cgroup v2 directory, e.g. /sys/fs/cgroup/system.slice/foo.service");
            }
            maps.get("filter_cgroups").update(BpfMap.u64Key(id), one, BpfMap.BPF_ANY);
        }
    }

    private void handle(ByteBuffer record) {
        Event e;
        try {
            e = decoder.decode(record);
        } catch (RecordDecoder.BadRecordException ex) {
            drainer.countDecodeFailure();
            return;
        }
        switch (e.type()) {
            case EXEC -> processes.onExec(e.pid(), e.comm());
            case FORK -> processes.onFork(e.pid(), e.comm());
            case EXIT -> processes.onExit(e.pid(), e.comm());
            case NET -> {
                if ("close".equals(e.getString(Fields.EVENT))) {
                    connections.onClose(e);
                }
            }
            default -> {
            }
        }
        records.incrementAndGet();
        sink.accept(e);
    }

    private void drainQuietly() {
        progress.drainStarted();
        try {
            drainer.drain(sink);
            sink.flush();
        } catch (RuntimeException e) {
            warn("drain failed: " + e);
        } finally {
            progress.drainEnded();
        }
    }

    /**
     * How far records have been handed to the sink, in event time (epoch ns; 0 while not known yet): every
     * record stamped earlier has been. What the Kafka sink's heartbeats carry ({@code KafkaSink#progress}).
     */
    public long progress() {
        return progress.tick();
    }

    /**
     * Returns once every record the kernel produced before the call has been read and the counters
     * drained: two full poll rounds, then a drain.
     */
    public void sync() {
        long target = reader.pollRounds() + 2;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (reader.pollRounds() < target && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        try {
            drainThread.submit(this::drainQuietly).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("drain did not complete", e);
        }
    }

    private void note(String message) {
        if (log != null) {
            log.println("akmon: note: " + message);
        }
    }

    private void warn(String message) {
        warnings.add(message);
        if (log != null) {
            log.println("akmon: warning: " + message);
        }
    }

    public List<Probe> runningProbes() {
        return running;
    }

    public Set<Probe.Family> runningFamilies() {
        Set<Probe.Family> f = EnumSet.noneOf(Probe.Family.class);
        Set<Probe.Family> enabled = settings.enabledFamilies();
        for (Probe p : running) {
            for (Probe.Family fam : enabled) {
                if (p.serves(EnumSet.of(fam))) {
                    f.add(fam);
                }
            }
        }
        return f;
    }

    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Kernel records decoded and handed to the sink. */
    public long recordsRead() {
        return records.get();
    }

    /** What the perf buffer itself reported as overwritten (perf transport only). */
    public long transportLost() {
        return transportLost.get();
    }

    /** Per-process entries the drainer still holds; returns to zero once traced processes are gone. */
    public int trackedState() {
        return drainer.trackedKeys() + connections.tracked();
    }

    /** Entries the last drain read because they changed; -1 if it read every entry (see MapDrainer). */
    public int lastDrainVisited() {
        return drainer.lastDrainVisited();
    }

    /** Entries in the kernel's per-process maps now; zero once traced processes are gone and forgotten. */
    public int kernelProcessEntries() {
        return drainer.kernelEntries();
    }

    /**
     * The kernel's cost of every program the agent loaded, totals since it attached them (empty when
     * BPF statistics are off).
     */
    public List<ProgramCost> programCosts() {
        return programStats.read();
    }

    /**
     * Fields for the health record: {@code probe_stats} and {@code programs} (per program its totals,
     * and ns per run and runs per second since the previous call).
     */
    public Map<String, Object> healthFigures() {
        synchronized (healthLock) {
            List<ProgramCost> now = programStats.read();
            Map<String, Object> f = new java.util.LinkedHashMap<>();
            f.put(Fields.PROBE_STATS, programStats.counting());
            f.put(Fields.PROGRAMS, ProgramStats.healthEntries(now, healthBase));
            Map<String, ProgramCost> base = new HashMap<>();
            now.forEach(c -> base.put(c.program(), c));
            healthBase = base;
            return f;
        }
    }

    public List<String> attachedPrograms() {
        return object.attachedPrograms();
    }

    /** The kernel's per-CPU sequence counters now: the last number each CPU handed out. */
    public long[] kernelSequences() {
        BpfMap seqs = object.map("seqs");
        ByteBuffer v = seqs.lookup(BpfMap.u32Key(0));
        long[] out = new long[seqs.cpus()];
        for (int c = 0; c < out.length; c++) {
            out[c] = v.getLong(c * seqs.slotSize());
        }
        return out;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        object.detachAll(); // no new records from here on
        drainThread.shutdown();
        try {
            drainThread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reader.close();      // reads what the kernel committed before detach
        drainer.drain(sink); // and the counters' last deltas
        sink.flush();
        programStats.close();
        object.close();
    }
}

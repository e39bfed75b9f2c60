package io.akmon.agent.drain;

import io.akmon.agent.decode.Layout;
import io.akmon.agent.decode.SyscallNames;
import io.akmon.agent.event.Event;
import io.akmon.agent.host.HostIdentity;
import io.akmon.agent.loader.BpfMap;
import io.akmon.agent.loader.ChangedKeys;
import io.akmon.agent.loader.KernelMap;
import io.akmon.agent.publish.EventSink;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * Turns the kernel's cumulative counters into interval records. Kernel maps only ever grow
 * (nothing is reset under a running program, which could lose increments); the drainer keeps the
 * last value it reported per key and emits the difference, and nothing for a key whose figures did
 * not change. Entries of exited processes are deleted once their final figures have been drained.
 * The maps are {@link KernelMap}s, so this logic is tested without a kernel (MapDrainerTest).
 */
public final class MapDrainer {
    private final KernelMap syscalls;
    private final KernelMap procStats;
    private final KernelMap diskIo;
    private final KernelMap fileIo;
    private final KernelMap drops;
    private final boolean cpuRecords;
    private final boolean memoryRecords;
    private final LongSupplier boottime;
    private final List<DrainSource> sources;
    private final ChangedKeys changed;
    private final ConnectionTracker connections;
    /** UDP endpoint pairs; null when the object has no udp_flows map. */
    private final UdpFlows udp;
    private final ProcessTable processes;
    private final AgentStream stream;
    private final SyscallNames syscallNames;
    private final DeviceNames devices = new DeviceNames();
    private final int sampleRate;
    private final Runnable flushCpu;
    /** Exact RSS of a live process ({rss, peak}, null if gone); null: the kernel's per-CPU-counter reading. */
    private volatile java.util.function.IntFunction<long[]> exactRss;

    /** pid -> {count, errors} last reported per syscall nr. Grouped by pid so an exit forgets in O(its keys). */
    private final Map<Integer, SyscallBases> syscallBase = new HashMap<>();
    /** pid -> {on-CPU ns, faults, rss, rss max} last reported. */
    private final Map<Integer, long[]> procBase = new HashMap<>();
    /** pid -> disk key -> {ops, bytes, latency sum, histogram...} last reported. */
    private final Map<Integer, Map<DiskKey, long[]>> diskBase = new HashMap<>();
    private final long[][] dropBase;
    private final java.util.concurrent.atomic.AtomicLong decodeFailures = new java.util.concurrent.atomic.AtomicLong();
    private long decodeFailuresReported;
    private long lastDrainBoottimeNs;
    private long drains;
    private int lastVisited = -1;
    /** Changed keys above which, if they are also most of the entries, one batched walk beats a lookup each. */
    private static final int WALK_ABOVE = 1024;

    /** pid -> file io key -> {ops, bytes} last reported. */
    private final Map<Integer, Map<FileIoKey, long[]>> fileIoBase = new HashMap<>();

    private record FileIoKey(int pid, int kind, int op) {
    }

    /**
     * One process's last reported syscall figures, in arrays searched in order: a process makes a few
     * dozen distinct syscalls, so this beats a boxed map per process on the drain's hottest path.
     */
    private static final class SyscallBases {
        int[] nrs = new int[16];
        long[] counts = new long[16];
        long[] errors = new long[16];
        int size;

        /** The index of nr's figures, added at zero if new. */
        int slot(int nr) {
            for (int i = 0; i < size; i++) {
                if (nrs[i] == nr) {
                    return i;
                }
            }
            if (size == nrs.length) {
                nrs = Arrays.copyOf(nrs, size * 2);
                counts = Arrays.copyOf(counts, size * 2);
                errors = Arrays.copyOf(errors, size * 2);
            }
            nrs[size] = nr;
            return size++;
        }
    }

    private record DiskKey(int pid, int dev, int op) {
    }

    /** What the drainer reports; {@code cpu} and {@code memory} say whether those families are collected. */
    public record Settings(int sampleRate, boolean cpu, boolean memory) {
    }

    public MapDrainer(Map<String, ? extends KernelMap> maps, ConnectionTracker connections, ProcessTable processes,
                      AgentStream stream, SyscallNames syscallNames, Settings settings, Runnable flushCpu,
                      List<DrainSource> sources, ChangedKeys changed) {
        this(maps, connections, processes, stream, syscallNames, settings, flushCpu, sources, changed, HostIdentity::boottimeNs);
    }

    /** As above, with the clock interval figures are taken from (CLOCK_BOOTTIME ns). */
    public MapDrainer(Map<String, ? extends KernelMap> maps, ConnectionTracker connections, ProcessTable processes,
                      AgentStream stream, SyscallNames syscallNames, Settings settings, Runnable flushCpu,
                      List<DrainSource> sources, ChangedKeys changed, LongSupplier boottime) {
        this.flushCpu = flushCpu;
        this.changed = changed != null ? changed : () -> null;
        this.sources = List.copyOf(sources);
        this.boottime = boottime;
        this.cpuRecords = settings.cpu();
        this.memoryRecords = settings.memory();
        this.syscalls = maps.get("syscall_counts");
        this.procStats = maps.get("proc_stats");
        this.diskIo = maps.get("disk_io");
        this.fileIo = maps.get("file_io");
        this.drops = maps.get("drops");
        this.connections = connections;
        this.udp = maps.get("udp_flows") != null ? new UdpFlows(maps.get("udp_flows"), processes, stream) : null;
        this.processes = processes;
        this.stream = stream;
        this.syscallNames = syscallNames;
        this.sampleRate = settings.sampleRate();
        this.dropBase = new long[Layout.DROP_REASONS.length][drops.cpus()];
        this.lastDrainBoottimeNs = boottime.getAsLong();
    }

    /** One drain round: the sources' records, then every map's deltas; forgets processes that are done. */
    public synchronized int drain(EventSink sink) {
        flushCpu.run();
        long now = boottime.getAsLong();
        long interval = Math.max(1, now - lastDrainBoottimeNs);
        lastDrainBoottimeNs = now;
        long ts = stream.identity().toEpochNs(now);
        List<LongFunction<Event>> drafts = new ArrayList<>();

        for (DrainSource s : sources) {
            s.drain(drafts, ts, interval);
        }
        List<byte[]> changedKeys = changed.take();
        if (changedKeys == null || (changedKeys.size() > WALK_ABOVE && changedKeys.size() * 2L > trackedKeysUnlocked())) {
            // not known, or so many that one batched walk is cheaper than a lookup each
            syscalls.forEach((k, v) -> syscallEntry(k, v, drafts, ts, interval));
            procStats.forEach((k, v) -> procEntry(k, v, drafts, ts, interval));
            diskIo.forEach((k, v) -> diskEntry(k, v, drafts, ts, interval));
            fileIo.forEach((k, v) -> fileIoEntry(k, v, drafts, ts, interval));
            lastVisited = -1;
        } else {
            for (byte[] c : changedKeys) {
                readChanged(c, drafts, ts, interval);
            }
            lastVisited = changedKeys.size();
        }
        drainDrops(drafts, ts);
        connections.drain(drafts, ts, interval);
        if (udp != null) {
            udp.drain(drafts, ts, interval);
        }

        if (!drafts.isEmpty()) {
            long seq = stream.reserve(drafts.size());
            for (LongFunction<Event> d : drafts) {
                sink.accept(d.apply(seq++));
            }
        }
        if (++drains % 10 == 0) {
            Set<Integer> known = new HashSet<>(procBase.keySet());
            known.addAll(syscallBase.keySet());
            known.addAll(diskBase.keySet());
            known.addAll(fileIoBase.keySet());
            if (udp != null) {
                known.addAll(udp.pids());
            }
            processes.sweepVanished(known);
        }
        forget(processes.endDrain());
        return drafts.size();
    }

    private void syscallEntry(byte[] key, ByteBuffer val, List<LongFunction<Event>> drafts, long ts, long interval) {
        ByteBuffer k = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
        int pid = k.getInt(Layout.SyscallKey.PID);
        int nr = k.getInt(Layout.SyscallKey.NR);
        long count = syscalls.sumU64(val, Layout.SyscallVal.COUNT);
        long errors = syscalls.sumU64(val, Layout.SyscallVal.ERRORS);
        SyscallBases bases = syscallBase.get(pid);
        if (bases == null) {
            bases = new SyscallBases();
            syscallBase.put(pid, bases);
        }
        int i = bases.slot(nr);
        long dCount = count - bases.counts[i];
        long dErrors = errors - bases.errors[i];
        if (dCount == 0 && dErrors == 0) {
            return;
        }
        bases.counts[i] = count;
        bases.errors[i] = errors;
        String comm = processes.comm(pid);
        drafts.add(seq -> stream.event(EventType.SYSCALL, seq, ts, pid, comm)
                .put(Fields.SYSCALL, syscallNames.name(nr))
                .put(Fields.SYSCALL_NR, nr)
                .put(Fields.COUNT, dCount)
                .put(Fields.ERRORS, dErrors)
                .put(Fields.INTERVAL_NS, interval)
                .put(Fields.SAMPLE_RATE, sampleRate));
    }

    /**
     * CPU time, faults and RSS per process, read by the scheduler switch into one per-CPU entry.
     * Time and faults are summed over CPUs; the RSS is the reading of the CPU that read it last.
     */
    private void procEntry(byte[] key, ByteBuffer val, List<LongFunction<Event>> drafts, long ts, long interval) {
        int slot = procStats.slotSize();
        int pid = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        long onCpu = procStats.sumU64(val, Layout.ProcVal.ON_CPU_NS);
        long faults = procStats.sumU64(val, Layout.ProcVal.MIN_FLT) + procStats.sumU64(val, Layout.ProcVal.MAJ_FLT);
        long readNs = 0;
        long rss = 0;
        long max = 0;
        for (int c = 0; c < procStats.cpus(); c++) {
            long r = val.getLong(c * slot + Layout.ProcVal.READ_NS);
            if (r > readNs) {
                readNs = r;
                rss = val.getLong(c * slot + Layout.ProcVal.RSS_BYTES);
            }
            max = Math.max(max, val.getLong(c * slot + Layout.ProcVal.RSS_MAX_BYTES));
        }
        long[] base = procBase.computeIfAbsent(pid, x -> new long[] {0, 0, -1, -1});
        String comm = null;
        long dCpu = onCpu - base[0];
        if (cpuRecords && dCpu != 0) {
            comm = processes.comm(pid);
            drafts.add(cpuSample(ts, interval, pid, comm, dCpu));
        }
        base[0] = onCpu;
        long dFaults = faults - base[1];
        boolean rssChanged = readNs != 0 && (rss != base[2] || max != base[3]);
        if (memoryRecords && (dFaults != 0 || rssChanged)) {
            // after its exit /proc has no RSS of the process (or has that of a reused pid): the kernel's last reading stands
            long[] exact = exactRss != null && !processes.hasExited(pid) ? exactRss.apply(pid) : null;
            drafts.add(memorySample(ts, interval, pid, comm != null ? comm : processes.comm(pid),
                    exact != null ? exact[0] : rss, exact != null ? Math.max(exact[1], max) : max, dFaults));
        }
        base[1] = faults;
        if (readNs != 0) {
            base[2] = rss;
            base[3] = max;
        }
    }

    /**
     * Where memory samples of live processes take their RSS from: the kernel side says which processes
     * changed, this gives the exact figure (e.g. {@code ProcRss::read}).
     */
    public void exactRss(java.util.function.IntFunction<long[]> reader) {
        this.exactRss = reader;
    }

    private LongFunction<Event> cpuSample(long ts, long interval, int pid, String comm, long delta) {
        double pct = Math.round(delta * 10000.0 / interval) / 100.0;
        return seq -> stream.event(EventType.CPU, seq, ts, pid, comm)
                .put(Fields.ON_CPU_NS, delta)
                .put(Fields.INTERVAL_NS, interval)
                .put(Fields.CPU_PCT, pct);
    }

    private LongFunction<Event> memorySample(long ts, long interval, int pid, String comm, long rss, long max, long faults) {
        return seq -> stream.event(EventType.MEMORY, seq, ts, pid, comm)
                .put(Fields.EVENT, "sample")
                .put(Fields.RSS_BYTES, rss)
                .put(Fields.RSS_MAX_BYTES, max)
                .put(Fields.PAGE_FAULTS, faults)
                .put(Fields.INTERVAL_NS, interval);
    }

    private void diskEntry(byte[] key, ByteBuffer val, List<LongFunction<Event>> drafts, long ts, long interval) {
        ByteBuffer k = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
        DiskKey dk = new DiskKey(k.getInt(Layout.DiskKey.PID), k.getInt(Layout.DiskKey.DEV), k.getInt(Layout.DiskKey.OP));
        long[] now = new long[3 + Layout.LAT_BUCKETS];
        now[0] = diskIo.sumU64(val, Layout.DiskVal.OPS);
        now[1] = diskIo.sumU64(val, Layout.DiskVal.BYTES);
        now[2] = diskIo.sumU64(val, Layout.DiskVal.LATENCY_NS_SUM);
        for (int b = 0; b < Layout.LAT_BUCKETS; b++) {
            now[3 + b] = diskIo.sumU64(val, Layout.DiskVal.HIST + 8 * b);
        }
        Map<DiskKey, long[]> ofPid = diskBase.computeIfAbsent(dk.pid(), x -> new HashMap<>());
        long[] base = ofPid.getOrDefault(dk, new long[now.length]);
        if (Arrays.equals(now, base)) {
            return;
        }
        ofPid.put(dk, now);
        long[] hist = new long[Layout.LAT_BUCKETS];
        for (int b = 0; b < hist.length; b++) {
            hist[b] = now[3 + b] - base[3 + b];
        }
        long ops = now[0] - base[0];
        long bytes = now[1] - base[1];
        long lat = now[2] - base[2];
        String comm = processes.comm(dk.pid());
        drafts.add(seq -> stream.event(EventType.DISK, seq, ts, dk.pid(), comm)
                .put(Fields.DEV, DeviceNames.majorMinor(dk.dev()))
                .put(Fields.DEVICE, devices.name(dk.dev()))
                .put(Fields.OP, dk.op() == 0 ? "read" : "write")
                .put(Fields.OPS, ops)
                .put(Fields.BYTES, bytes)
                .put(Fields.LATENCY_NS_SUM, lat)
                .put(Fields.LATENCY_HIST_US, hist)
                .put(Fields.INTERVAL_NS, interval));
    }

    /** Bytes a process moved through one kind of descriptor in one direction (the file family). */
    private void fileIoEntry(byte[] key, ByteBuffer val, List<LongFunction<Event>> drafts, long ts, long interval) {
        ByteBuffer k = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
        FileIoKey fk = new FileIoKey(k.getInt(Layout.FileIoKey.PID), k.getInt(Layout.FileIoKey.KIND), k.getInt(Layout.FileIoKey.OP));
        long[] now = {fileIo.sumU64(val, Layout.FileIoVal.OPS), fileIo.sumU64(val, Layout.FileIoVal.BYTES)};
        Map<FileIoKey, long[]> ofPid = fileIoBase.computeIfAbsent(fk.pid(), x -> new HashMap<>());
        long[] base = ofPid.getOrDefault(fk, new long[2]);
        if (Arrays.equals(now, base)) {
            return;
        }
        ofPid.put(fk, now);
        long ops = now[0] - base[0];
        long bytes = now[1] - base[1];
        String kind = fk.kind() >= 0 && fk.kind() < Layout.FD_KINDS.length ? Layout.FD_KINDS[fk.kind()] : "other";
        String comm = processes.comm(fk.pid());
        drafts.add(seq -> stream.event(EventType.FILE, seq, ts, fk.pid(), comm)
                .put(Fields.OP, fk.op() == 0 ? "read" : "write")
                .put(Fields.FD_KIND, kind)
                .put(Fields.OPS, ops)
                .put(Fields.BYTES, bytes)
                .put(Fields.INTERVAL_NS, interval));
    }

    private void drainDrops(List<LongFunction<Event>> drafts, long ts) {
        for (int reason = 0; reason < Layout.DROP_REASONS.length; reason++) {
            ByteBuffer v = drops.lookup(BpfMap.u32Key(reason));
            if (v == null) {
                continue;
            }
            for (int cpu = 0; cpu < drops.cpus(); cpu++) {
                long total = v.getLong(cpu * drops.slotSize());
                long delta = total - dropBase[reason][cpu];
                if (delta == 0) {
                    continue;
                }
                dropBase[reason][cpu] = total;
                String source = Layout.DROP_REASONS[reason];
                int onCpu = cpu;
                drafts.add(seq -> stream.event(EventType.LOST, seq, ts, 0, null)
                        .put(Fields.SOURCE, source)
                        .put(Fields.LOST, delta)
                        .put(Fields.SOURCE_CPU, onCpu));
            }
        }
        long failures = decodeFailures.get();
        if (failures != decodeFailuresReported) {
            long delta = failures - decodeFailuresReported;
            decodeFailuresReported = failures;
            drafts.add(seq -> stream.event(EventType.LOST, seq, ts, 0, null)
                    .put(Fields.SOURCE, "decode")
                    .put(Fields.LOST, delta));
        }
    }

    /** Reads the one entry a changed key names and reports its delta. */
    private void readChanged(byte[] changedKey, List<LongFunction<Event>> drafts, long ts, long interval) {
        ByteBuffer c = ByteBuffer.wrap(changedKey).order(ByteOrder.LITTLE_ENDIAN);
        int pid = c.getInt(Layout.ChangedKey.PID);
        int a = c.getInt(Layout.ChangedKey.A);
        switch (c.getInt(Layout.ChangedKey.KIND)) {
            case Layout.ChangedKey.SYSCALL -> {
                byte[] key = syscallKey(pid, a);
                ByteBuffer v = syscalls.lookup(key);
                if (v != null) {
                    syscallEntry(key, v, drafts, ts, interval);
                }
            }
            case Layout.ChangedKey.PROC -> {
                byte[] key = BpfMap.u32Key(pid);
                ByteBuffer v = procStats.lookup(key);
                if (v != null) {
                    procEntry(key, v, drafts, ts, interval);
                }
            }
            case Layout.ChangedKey.DISK -> {
                byte[] key = diskKey(new DiskKey(pid, a, c.getInt(Layout.ChangedKey.B)));
                ByteBuffer v = diskIo.lookup(key);
                if (v != null) {
                    diskEntry(key, v, drafts, ts, interval);
                }
            }
            case Layout.ChangedKey.FILE_IO -> {
                byte[] key = fileIoKey(new FileIoKey(pid, a, c.getInt(Layout.ChangedKey.B)));
                ByteBuffer v = fileIo.lookup(key);
                if (v != null) {
                    fileIoEntry(key, v, drafts, ts, interval);
                }
            }
            default -> {
            }
        }
    }

    /**
     * Entries the last drain read one by one because they changed; -1 when it read every entry of
     * every map instead. With changed-key tracking this follows the processes that did something,
     * not all the processes there are.
     */
    public synchronized int lastDrainVisited() {
        return lastVisited;
    }

    /** A record the agent could not decode: reported as loss like any other. Any thread. */
    public void countDecodeFailure() {
        decodeFailures.incrementAndGet();
    }

    /**
     * Deletes the kernel entries of processes that are gone. Every key of such a process was seen by
     * the drains since its exit, so the keys come from what the drainer holds, not from another walk.
     */
    private void forget(Set<Integer> gone) {
        if (gone.isEmpty()) {
            return;
        }
        List<byte[]> syscallKeys = new ArrayList<>();
        List<byte[]> diskKeys = new ArrayList<>();
        List<byte[]> fileIoKeys = new ArrayList<>();
        List<byte[]> pidKeys = new ArrayList<>();
        for (int pid : gone) {
            SyscallBases calls = syscallBase.remove(pid);
            if (calls != null) {
                for (int i = 0; i < calls.size; i++) {
                    syscallKeys.add(syscallKey(pid, calls.nrs[i]));
                }
            }
            Map<DiskKey, long[]> disks = diskBase.remove(pid);
            if (disks != null) {
                for (DiskKey dk : disks.keySet()) {
                    diskKeys.add(diskKey(dk));
                }
            }
            Map<FileIoKey, long[]> io = fileIoBase.remove(pid);
            if (io != null) {
                for (FileIoKey fk : io.keySet()) {
                    fileIoKeys.add(fileIoKey(fk));
                }
            }
            pidKeys.add(BpfMap.u32Key(pid));
            procBase.remove(pid);
        }
        syscalls.deleteAll(syscallKeys);
        diskIo.deleteAll(diskKeys);
        fileIo.deleteAll(fileIoKeys);
        procStats.deleteAll(pidKeys);
        if (udp != null) {
            udp.forget(gone);
        }
    }

    private byte[] syscallKey(int pid, int nr) {
        return ByteBuffer.allocate(syscalls.keySize()).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(Layout.SyscallKey.PID, pid).putInt(Layout.SyscallKey.NR, nr).array();
    }

    private byte[] diskKey(DiskKey dk) {
        return ByteBuffer.allocate(diskIo.keySize()).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(Layout.DiskKey.PID, dk.pid()).putInt(Layout.DiskKey.DEV, dk.dev())
                .putInt(Layout.DiskKey.OP, dk.op()).array();
    }

    private byte[] fileIoKey(FileIoKey fk) {
        return ByteBuffer.allocate(fileIo.keySize()).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(Layout.FileIoKey.PID, fk.pid()).putInt(Layout.FileIoKey.KIND, fk.kind())
                .putInt(Layout.FileIoKey.OP, fk.op()).array();
    }

    /** Entries in the kernel's per-process maps now; drains to zero as processes exit. */
    public synchronized int kernelEntries() {
        int[] n = {0};
        for (KernelMap map : List.of(syscalls, procStats, diskIo, fileIo)) {
            map.forEach((k, v) -> n[0]++);
        }
        if (udp != null) {
            n[0] += udp.kernelEntries();
        }
        return n[0];
    }

    /** Per-process state the drainer holds now; drains to zero as processes exit. */
    public synchronized int trackedKeys() {
        return trackedKeysUnlocked();
    }

    private int trackedKeysUnlocked() {
        int keys = procBase.size();
        for (SyscallBases calls : syscallBase.values()) {
            keys += calls.size;
        }
        for (Map<DiskKey, long[]> disks : diskBase.values()) {
            keys += disks.size();
        }
        for (Map<FileIoKey, long[]> io : fileIoBase.values()) {
            keys += io.size();
        }
        return udp != null ? keys + udp.tracked() : keys;
    }
}

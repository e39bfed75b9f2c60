package io.akmon.agent.drain;

import io.akmon.agent.decode.Layout;
import io.akmon.agent.decode.SyscallNames;
import io.akmon.agent.event.Event;
import io.akmon.agent.host.HostIdentity;
import io.akmon.agent.loader.BpfMap;
import io.akmon.agent.loader.ChangedKeys;
import io.akmon.agent.publish.CollectingSink;
import io.akmon.agent.testing.MemoryMap;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The drainer's delta logic against in-memory maps: exact differences, nothing for what did not change, state that drains. */
class MapDrainerTest {
    private static final int CPUS = 2;
    private static final long SECOND = 1_000_000_000L;
    private static final int PID = 4242;
    private static final int GETPPID = 110;

    private MemoryMap syscalls;
    private MemoryMap procs;
    private MemoryMap disk;
    private MemoryMap fileIo;
    private MemoryMap drops;
    private MemoryMap udp;
    private ProcessTable table;
    private CollectingSink sink;
    private MapDrainer drainer;
    private long clock;
    /** What the kernel's changed-key sets would hand over; null: unknown, read every entry. */
    private List<byte[]> nextChanged;
    private final ChangedKeys changed = () -> {
        List<byte[]> c = nextChanged;
        nextChanged = null;
        return c;
    };

    @BeforeEach
    void setUp() {
        syscalls = new MemoryMap("syscall_counts", Layout.SyscallKey.SIZE, Layout.SyscallVal.SIZE, CPUS);
        procs = new MemoryMap("proc_stats", 4, Layout.ProcVal.SIZE, CPUS);
        disk = new MemoryMap("disk_io", Layout.DiskKey.SIZE, Layout.DiskVal.SIZE, CPUS);
        fileIo = new MemoryMap("file_io", Layout.FileIoKey.SIZE, Layout.FileIoVal.SIZE, CPUS);
        drops = new MemoryMap("drops", 4, 8, CPUS);
        udp = new MemoryMap("udp_flows", Layout.UdpKey.SIZE, Layout.UdpVal.SIZE, CPUS);
        MemoryMap agentSeq = new MemoryMap("agent_seq", 4, 8, 1);
        MemoryMap conns = new MemoryMap("conns", 8, Layout.Conn.SIZE, 1);
        table = new ProcessTable();
        table.onExec(PID, "worker");
        AgentStream stream = new AgentStream(agentSeq, new HostIdentity("h", "boot", 0));
        clock = 100 * SECOND;
        drainer = new MapDrainer(Map.of("syscall_counts", syscalls, "proc_stats", procs, "disk_io", disk, "file_io", fileIo,
                "udp_flows", udp, "drops", drops),
                new ConnectionTracker(conns, table, stream), table, stream, new SyscallNames(),
                new MapDrainer.Settings(1, true, true), () -> { }, List.of(), changed, () -> clock);
        sink = new CollectingSink();
    }

    private List<Event> drain() {
        clock += SECOND;
        int before = sink.snapshot().size();
        drainer.drain(sink);
        List<Event> all = sink.snapshot();
        return all.subList(before, all.size());
    }

    private static List<Event> of(List<Event> events, EventType type) {
        return events.stream().filter(e -> e.type() == type).toList();
    }

    private static byte[] syscallKey(int pid, int nr) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(pid).putInt(nr).array();
    }

    @Test
    void syscallRecordsCarryTheDifferenceSummedOverCpusAndNothingWhenUnchanged() {
        byte[] key = syscallKey(PID, GETPPID);
        syscalls.putU64(key, 0, Layout.SyscallVal.COUNT, 100);
        syscalls.putU64(key, 1, Layout.SyscallVal.COUNT, 23);
        syscalls.putU64(key, 1, Layout.SyscallVal.ERRORS, 3);
        List<Event> first = of(drain(), EventType.SYSCALL);
        assertEquals(1, first.size());
        assertEquals(123, first.get(0).getLong(Fields.COUNT));
        assertEquals(3, first.get(0).getLong(Fields.ERRORS));
        assertEquals("getppid", first.get(0).getString(Fields.SYSCALL));
        assertEquals(SECOND, first.get(0).getLong(Fields.INTERVAL_NS));
        assertEquals("worker", first.get(0).comm());

        assertTrue(drain().isEmpty(), "nothing changed: no records");

        syscalls.putU64(key, 0, Layout.SyscallVal.COUNT, 150);
        List<Event> third = of(drain(), EventType.SYSCALL);
        assertEquals(50, third.get(0).getLong(Fields.COUNT));
        assertEquals(0, third.get(0).getLong(Fields.ERRORS));
    }

    @Test
    void cpuTimeAndFaultsAreDifferencesAndRssIsTheLatestCpusReading() {
        byte[] key = BpfMap.u32Key(PID);
        procs.putU64(key, 0, Layout.ProcVal.ON_CPU_NS, 300_000_000L);
        procs.putU64(key, 1, Layout.ProcVal.ON_CPU_NS, 200_000_000L);
        procs.putU64(key, 0, Layout.ProcVal.MIN_FLT, 1000);
        procs.putU64(key, 1, Layout.ProcVal.MAJ_FLT, 5);
        // CPU 1 read the RSS last: its reading is the current one
        procs.putU64(key, 0, Layout.ProcVal.RSS_BYTES, 10 << 20);
        procs.putU64(key, 0, Layout.ProcVal.RSS_MAX_BYTES, 12 << 20);
        procs.putU64(key, 0, Layout.ProcVal.READ_NS, 50);
        procs.putU64(key, 1, Layout.ProcVal.RSS_BYTES, 8 << 20);
        procs.putU64(key, 1, Layout.ProcVal.RSS_MAX_BYTES, 12 << 20);
        procs.putU64(key, 1, Layout.ProcVal.READ_NS, 60);
        List<Event> first = drain();
        Event cpu = of(first, EventType.CPU).get(0);
        assertEquals(500_000_000L, cpu.getLong(Fields.ON_CPU_NS));
        assertEquals(50.0, ((Number) cpu.get(Fields.CPU_PCT)).doubleValue());
        Event mem = of(first, EventType.MEMORY).get(0);
        assertEquals(8 << 20, mem.getLong(Fields.RSS_BYTES));
        assertEquals(12 << 20, mem.getLong(Fields.RSS_MAX_BYTES));
        assertEquals(1005, mem.getLong(Fields.PAGE_FAULTS));

        assertTrue(drain().isEmpty(), "nothing changed: no records");

        // it ran again on CPU 0 without faulting and without changing its RSS: a cpu record only
        procs.putU64(key, 0, Layout.ProcVal.ON_CPU_NS, 400_000_000L);
        procs.putU64(key, 0, Layout.ProcVal.RSS_BYTES, 8 << 20);
        procs.putU64(key, 0, Layout.ProcVal.READ_NS, 70);
        List<Event> third = drain();
        assertEquals(100_000_000L, of(third, EventType.CPU).get(0).getLong(Fields.ON_CPU_NS));
        assertTrue(of(third, EventType.MEMORY).isEmpty(), "RSS and faults unchanged: " + third);

        // RSS fell without a fault (memory freed): a memory record with 0 faults
        procs.putU64(key, 1, Layout.ProcVal.RSS_BYTES, 4 << 20);
        procs.putU64(key, 1, Layout.ProcVal.READ_NS, 80);
        Event fourth = of(drain(), EventType.MEMORY).get(0);
        assertEquals(4 << 20, fourth.getLong(Fields.RSS_BYTES));
        assertEquals(0, fourth.getLong(Fields.PAGE_FAULTS));
    }

    @Test
    void aKernelThreadWithoutRssReadingGetsCpuRecordsOnly() {
        byte[] key = BpfMap.u32Key(77);
        procs.putU64(key, 0, Layout.ProcVal.ON_CPU_NS, 1_000);
        List<Event> events = drain();
        assertEquals(1, of(events, EventType.CPU).size());
        assertTrue(of(events, EventType.MEMORY).isEmpty());
    }

    @Test
    void familiesNotCollectedGetNoRecords() {
        MemoryMap agentSeq = new MemoryMap("agent_seq", 4, 8, 1);
        AgentStream stream = new AgentStream(agentSeq, new HostIdentity("h", "boot", 0));
        MapDrainer memoryOnly = new MapDrainer(Map.of("syscall_counts", syscalls, "proc_stats", procs, "disk_io", disk, "file_io", fileIo, "drops", drops),
                new ConnectionTracker(new MemoryMap("conns", 8, Layout.Conn.SIZE, 1), table, stream), table, stream,
                new SyscallNames(), new MapDrainer.Settings(1, false, true), () -> { }, List.of(), changed, () -> clock);
        byte[] key = BpfMap.u32Key(PID);
        procs.putU64(key, 0, Layout.ProcVal.ON_CPU_NS, 1_000);
        procs.putU64(key, 0, Layout.ProcVal.RSS_BYTES, 4096);
        procs.putU64(key, 0, Layout.ProcVal.READ_NS, 1);
        clock += SECOND;
        memoryOnly.drain(sink);
        assertTrue(of(sink.snapshot(), EventType.CPU).isEmpty());
        assertEquals(1, of(sink.snapshot(), EventType.MEMORY).size());
    }

    @Test
    void diskRecordsCarryHistogramDifferences() {
        byte[] key = ByteBuffer.allocate(Layout.DiskKey.SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(PID).putInt((8 << 20) | 1).putInt(1).array();
        disk.putU64(key, 0, Layout.DiskVal.OPS, 2);
        disk.putU64(key, 0, Layout.DiskVal.BYTES, 8192);
        disk.putU64(key, 0, Layout.DiskVal.HIST + 8 * 3, 2);
        drain();
        disk.putU64(key, 1, Layout.DiskVal.OPS, 1);
        disk.putU64(key, 1, Layout.DiskVal.BYTES, 4096);
        disk.putU64(key, 1, Layout.DiskVal.HIST + 8 * 5, 1);
        Event e = of(drain(), EventType.DISK).get(0);
        assertEquals(1, e.getLong(Fields.OPS));
        assertEquals(4096, e.getLong(Fields.BYTES));
        long[] hist = (long[]) e.get(Fields.LATENCY_HIST_US);
        assertEquals(0, hist[3]);
        assertEquals(1, hist[5]);
        assertEquals("write", e.getString(Fields.OP));
        assertEquals("8:1", e.getString(Fields.DEV));
    }

    @Test
    void dropsAreReportedPerReasonAndCpuOnce() {
        drops.putU64(BpfMap.u32Key(0), 1, 0, 7);
        List<Event> lost = of(drain(), EventType.LOST);
        assertEquals(1, lost.size());
        assertEquals("output", lost.get(0).getString(Fields.SOURCE));
        assertEquals(7, lost.get(0).getLong(Fields.LOST));
        assertEquals(1L, ((Number) lost.get(0).get("source_cpu")).longValue());
        assertTrue(of(drain(), EventType.LOST).isEmpty());
        drainer.countDecodeFailure();
        assertEquals("decode", of(drain(), EventType.LOST).get(0).getString(Fields.SOURCE));
    }

    @Test
    void anExitedProcessIsForgottenInTheMapsAndTheDrainerOnceItsLastFiguresAreOut() {
        byte[] sc = syscallKey(PID, GETPPID);
        byte[] pk = BpfMap.u32Key(PID);
        syscalls.putU64(sc, 0, Layout.SyscallVal.COUNT, 10);
        procs.putU64(pk, 0, Layout.ProcVal.ON_CPU_NS, 10);
        drain();
        table.onExit(PID, "worker");
        // the last figures arrive after the exit record (its final switch-out)
        procs.putU64(pk, 1, Layout.ProcVal.ON_CPU_NS, 5);
        assertEquals(5, of(drain(), EventType.CPU).get(0).getLong(Fields.ON_CPU_NS));
        drain();
        assertEquals(0, drainer.kernelEntries(), "kernel entries of the exited process deleted");
        assertEquals(0, drainer.trackedKeys(), "drainer state of the exited process forgotten");
    }

    private static byte[] udpKey(int pid, int lport, int rport) {
        ByteBuffer k = ByteBuffer.allocate(Layout.UdpKey.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        k.putInt(Layout.UdpKey.PID, pid).putShort(Layout.UdpKey.LPORT, (short) lport).putShort(Layout.UdpKey.RPORT, (short) rport);
        k.put(Layout.UdpKey.FAMILY, (byte) 4);
        k.put(Layout.UdpKey.LADDR, (byte) 127).put(Layout.UdpKey.LADDR + 3, (byte) 1);
        k.put(Layout.UdpKey.RADDR, (byte) 10).put(Layout.UdpKey.RADDR + 3, (byte) 53);
        return k.array();
    }

    @Test
    void udpPairsCarryDatagramAndByteDifferencesSummedOverCpusAndAreForgottenAfterTheExit() {
        byte[] key = udpKey(PID, 40000, 53);
        udp.putU64(key, 0, Layout.UdpVal.DATAGRAMS_SENT, 3);
        udp.putU64(key, 1, Layout.UdpVal.DATAGRAMS_SENT, 2);
        udp.putU64(key, 0, Layout.UdpVal.BYTES_SENT, 300);
        udp.putU64(key, 1, Layout.UdpVal.BYTES_SENT, 41);
        udp.putU64(key, 1, Layout.UdpVal.DATAGRAMS_RECEIVED, 5);
        udp.putU64(key, 1, Layout.UdpVal.BYTES_RECEIVED, 900);
        Event first = of(drain(), EventType.NET).get(0);
        assertEquals("udp", first.getString(Fields.EVENT));
        assertEquals("127.0.0.1", first.getString(Fields.SADDR));
        assertEquals(40000L, first.getLong(Fields.SPORT));
        assertEquals("10.0.0.53", first.getString(Fields.DADDR));
        assertEquals(53L, first.getLong(Fields.DPORT));
        assertEquals(List.of(5L, 341L, 5L, 900L), List.of(first.getLong(Fields.DATAGRAMS_SENT), first.getLong(Fields.BYTES_SENT),
                first.getLong(Fields.DATAGRAMS_RECEIVED), first.getLong(Fields.BYTES_RECEIVED)));
        assertEquals("worker", first.comm());
        assertTrue(drain().isEmpty(), "nothing moved: no records");

        udp.putU64(key, 0, Layout.UdpVal.DATAGRAMS_SENT, 4);
        udp.putU64(key, 0, Layout.UdpVal.BYTES_SENT, 310);
        table.onExit(PID, "worker");
        Event second = of(drain(), EventType.NET).get(0);
        assertEquals(first.getString(Fields.CONN), second.getString(Fields.CONN), "one id per pair");
        assertEquals(List.of(1L, 10L, 0L, 0L), List.of(second.getLong(Fields.DATAGRAMS_SENT), second.getLong(Fields.BYTES_SENT),
                second.getLong(Fields.DATAGRAMS_RECEIVED), second.getLong(Fields.BYTES_RECEIVED)));
        drain();
        assertEquals(0, drainer.kernelEntries(), "the exited process's pairs deleted");
        assertEquals(0, drainer.trackedKeys(), "and forgotten");
    }

    @Test
    void recordsOfOneDrainHaveConsecutiveAgentSequenceNumbers() {
        syscalls.putU64(syscallKey(PID, GETPPID), 0, Layout.SyscallVal.COUNT, 1);
        syscalls.putU64(syscallKey(PID, 39), 0, Layout.SyscallVal.COUNT, 1);
        procs.putU64(BpfMap.u32Key(PID), 0, Layout.ProcVal.ON_CPU_NS, 1);
        List<Event> a = drain();
        syscalls.putU64(syscallKey(PID, 39), 0, Layout.SyscallVal.COUNT, 2);
        List<Event> b = drain();
        long seq = a.get(0).seq();
        for (Event e : a) {
            assertEquals(seq++, e.seq());
            assertEquals(-1, e.cpu());
        }
        assertEquals(seq, b.get(0).seq());
    }

    private static byte[] changedKey(int kind, int pid, int a, int b) {
        return ByteBuffer.allocate(Layout.ChangedKey.SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(kind).putInt(pid).putInt(a).putInt(b).array();
    }

    @Test
    void withChangedKeysADrainReadsOnlyTheEntriesThatChanged() {
        int processes = 1000;
        for (int pid = 1; pid <= processes; pid++) {
            procs.putU64(BpfMap.u32Key(pid), 0, Layout.ProcVal.ON_CPU_NS, 1_000);
            syscalls.putU64(syscallKey(pid, GETPPID), 0, Layout.SyscallVal.COUNT, 1);
        }
        List<Event> first = drain();
        assertEquals(processes, of(first, EventType.SYSCALL).size(), "the first drain walks every entry");
        assertEquals(processes, of(first, EventType.CPU).size());
        procs.resetCounts();
        syscalls.resetCounts();

        procs.putU64(BpfMap.u32Key(7), 1, Layout.ProcVal.ON_CPU_NS, 500);
        syscalls.putU64(syscallKey(9, GETPPID), 1, Layout.SyscallVal.COUNT, 4);
        nextChanged = List.of(changedKey(Layout.ChangedKey.PROC, 7, 0, 0), changedKey(Layout.ChangedKey.SYSCALL, 9, GETPPID, 0),
                changedKey(Layout.ChangedKey.PROC, 99_999, 0, 0)); // already deleted: skipped
        List<Event> events = drain();
        assertEquals(500, of(events, EventType.CPU).get(0).getLong(Fields.ON_CPU_NS));
        assertEquals(7, of(events, EventType.CPU).get(0).pid());
        assertEquals(4, of(events, EventType.SYSCALL).get(0).getLong(Fields.COUNT));
        assertEquals(2, events.size());
        assertEquals(0, procs.walks() + syscalls.walks(), "no map was walked");
        assertEquals(3, procs.lookups() + syscalls.lookups(), "one lookup per changed key");
        assertEquals(3, drainer.lastDrainVisited());

        // a disk entry named by its changed key
        byte[] dk = ByteBuffer.allocate(Layout.DiskKey.SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putInt(259 << 20).putInt(0).array();
        disk.putU64(dk, 0, Layout.DiskVal.OPS, 3);
        nextChanged = List.of(changedKey(Layout.ChangedKey.DISK, 7, 259 << 20, 0));
        assertEquals(3, of(drain(), EventType.DISK).get(0).getLong(Fields.OPS));
    }
}

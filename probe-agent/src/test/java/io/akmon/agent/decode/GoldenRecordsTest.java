package io.akmon.agent.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.drain.AgentStream;
import io.akmon.agent.drain.ConnectionTracker;
import io.akmon.agent.drain.MapDrainer;
import io.akmon.agent.drain.ProcessTable;
import io.akmon.agent.event.Event;
import io.akmon.agent.host.HostIdentity;
import io.akmon.agent.host.HostSampler;
import io.akmon.agent.host.HostStat;
import io.akmon.agent.host.InitialMemory;
import io.akmon.agent.host.InterfaceSampler;
import io.akmon.agent.loader.BpfMap;
import io.akmon.agent.loader.ProgramCost;
import io.akmon.agent.loader.ProgramStats;
import io.akmon.agent.publish.CollectingSink;
import io.akmon.agent.publish.HealthRecord;
import io.akmon.agent.publish.KafkaSink;
import io.akmon.agent.testing.MemoryMap;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import io.akmon.schema.contract.EventContract;
import io.akmon.schema.contract.RecordCheck;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

import static io.akmon.agent.testing.KernelRecords.put;
import static io.akmon.agent.testing.KernelRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The agent's output against the event table, and the golden records the Flink parser's tests read.
 *
 * <p>Fixture kernel records and maps go through the agent's own code (the decoder for ring-buffer
 * records, the drainer for maps, the samplers for /proc and /sys, the sink's health figures). Every record
 * is held to {@link EventContract}; then each family's records are written, one JSON line each, to
 * {@code event-schema/src/test/resources/golden/<family>.jsonl}, the one fixture place both modules read.
 * A file is rewritten only when the agent's output changed: review the diff and commit it with the change.
 */
class GoldenRecordsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SECOND = 1_000_000_000L;
    private static final HostIdentity IDENTITY = new HostIdentity("h1", "boot-1", 1_700_000_000L * SECOND);
    private static final int PID = 4242;

    /** Where the golden records live: event-schema's test resources. */
    static Path goldenDir() {
        return Path.of(System.getProperty("akmon.golden.dir", "../event-schema/src/test/resources/golden"));
    }

    private static final Map<EventType, List<Event>> RECORDS = new EnumMap<>(EventType.class);

    @BeforeAll
    static void produce(@TempDir Path sys) throws IOException {
        RECORDS.clear();
        ringBufferRecords().forEach(GoldenRecordsTest::add);
        drainedRecords(sys).forEach(GoldenRecordsTest::add);
        add(healthRecord());
        add(io.akmon.agent.publish.HeartbeatFanOut.record(IDENTITY.host(), IDENTITY.bootId(), 1_700_000_100L * SECOND, false));
        add(io.akmon.agent.publish.HeartbeatFanOut.record(IDENTITY.host(), IDENTITY.bootId(), 1_700_000_101L * SECOND, true));
    }

    private static void add(Event e) {
        RECORDS.computeIfAbsent(e.type(), t -> new ArrayList<>()).add(e);
    }

    // ------------------------------------------------------------------ ring-buffer records, decoded

    private static List<Event> ringBufferRecords() {
        RecordDecoder decoder = new RecordDecoder(IDENTITY);
        List<Event> out = new ArrayList<>();

        ByteBuffer fork = record(Layout.REC_FORK, Layout.Fork.SIZE, 1, 10 * SECOND, 1);
        fork.putInt(Layout.Fork.PID, PID).putInt(Layout.Fork.PPID, 1000);
        put(fork, Layout.Fork.COMM, "bash");
        out.add(decoder.decode(fork));

        ByteBuffer exec = record(Layout.REC_EXEC, Layout.Exec.SIZE, 1, 10 * SECOND + 5, 2);
        exec.putInt(Layout.Exec.PID, PID).putInt(Layout.Exec.PPID, 1000).putInt(Layout.Exec.UID, 1000);
        put(exec, Layout.Exec.FILENAME, "/usr/bin/curl");
        exec.putShort(Layout.Exec.FILENAME_LEN_FIELD, (short) 13);
        byte[] argv = "curl\0-s\0https://example.org/".getBytes(StandardCharsets.UTF_8);
        exec.put(Layout.Exec.ARGV, argv).putShort(Layout.Exec.ARGV_LEN_FIELD, (short) argv.length);
        put(exec, Layout.Exec.COMM, "curl");
        out.add(decoder.decode(exec));

        ByteBuffer exit = record(Layout.REC_EXIT, Layout.Exit.SIZE, 0, 12 * SECOND, 7);
        exit.putInt(Layout.Exit.PID, PID).putInt(Layout.Exit.PPID, 1000).putInt(Layout.Exit.EXIT_CODE, 0x80 | 11)
                .putLong(Layout.Exit.LIFETIME_NS, 2 * SECOND);
        put(exit, Layout.Exit.COMM, "curl");
        out.add(decoder.decode(exit));

        ByteBuffer oom = record(Layout.REC_OOM, Layout.Oom.SIZE, 0, 11 * SECOND, 5);
        oom.putInt(Layout.Oom.PID, PID).putInt(Layout.Oom.UID, 1000).putLong(Layout.Oom.RSS_BYTES, 512L << 20);
        put(oom, Layout.Oom.COMM, "curl");
        out.add(decoder.decode(oom));

        int[] events = {Layout.NET_CONNECT, Layout.NET_ACCEPT, Layout.NET_CLOSE};
        for (int i = 0; i < events.length; i++) {
            ByteBuffer net = record(Layout.REC_NET, Layout.Net.SIZE, 1, 10 * SECOND + 100 + i, 3 + i);
            net.putLong(Layout.Net.CONN, 0x1234_5678_9a00L + i).putInt(Layout.Net.PID, PID)
                    .put(Layout.Net.EVENT, (byte) events[i]).put(Layout.Net.FAMILY, (byte) 4)
                    .putShort(Layout.Net.SPORT, (short) 40000).putShort(Layout.Net.DPORT, (short) 443)
                    .putInt(Layout.Net.RETRANSMITS, 2).putLong(Layout.Net.BYTES_SENT, 1500).putLong(Layout.Net.BYTES_RECEIVED, 9000);
            net.put(Layout.Net.SADDR, new byte[] {10, 0, 0, 1}).put(Layout.Net.DADDR, new byte[] {93, (byte) 184, (byte) 215, 14});
            put(net, Layout.Net.COMM, "curl");
            out.add(decoder.decode(net));
        }

        ByteBuffer rename = record(Layout.REC_FILE, Layout.File.SIZE, 0, 11 * SECOND + 3, 6);
        rename.putInt(Layout.File.PID, PID).putInt(Layout.File.TID, PID + 1).putInt(Layout.File.UID, 0)
                .putInt(Layout.File.RET, 0).putShort(Layout.File.OP, (short) 4).putShort(Layout.File.NR, (short) 82)
                .putInt(Layout.File.MODE, 0);
        put(rename, Layout.File.COMM, "mv");
        put(rename, Layout.File.PATH, "/etc/passwd+");
        rename.putShort(Layout.File.PATH_LEN_FIELD, (short) 12);
        put(rename, Layout.File.PATH2, "/etc/passwd");
        rename.putShort(Layout.File.PATH2_LEN_FIELD, (short) 11);
        out.add(decoder.decode(rename));

        ByteBuffer create = record(Layout.REC_FILE, Layout.File.SIZE, 1, 11 * SECOND + 4, 7);
        create.putInt(Layout.File.PID, PID).putInt(Layout.File.TID, PID).putInt(Layout.File.UID, 1000)
                .putInt(Layout.File.RET, -13).putShort(Layout.File.OP, (short) 1).putShort(Layout.File.NR, (short) 257)
                .putShort(Layout.File.FLAGS, (short) Layout.FILE_PATH_RELATIVE).putInt(Layout.File.MODE, 0101);
        put(create, Layout.File.COMM, "touch");
        put(create, Layout.File.PATH, "out/x.log");
        create.putShort(Layout.File.PATH_LEN_FIELD, (short) 9);
        out.add(decoder.decode(create));
        return out;
    }

    // ------------------------------------------------------------------ drained records

    private static List<Event> drainedRecords(Path sys) throws IOException {
        MemoryMap syscalls = new MemoryMap("syscall_counts", Layout.SyscallKey.SIZE, Layout.SyscallVal.SIZE, 2);
        MemoryMap procs = new MemoryMap("proc_stats", 4, Layout.ProcVal.SIZE, 2);
        MemoryMap disk = new MemoryMap("disk_io", Layout.DiskKey.SIZE, Layout.DiskVal.SIZE, 2);
        MemoryMap fileIo = new MemoryMap("file_io", Layout.FileIoKey.SIZE, Layout.FileIoVal.SIZE, 2);
        MemoryMap drops = new MemoryMap("drops", 4, 8, 2);
        MemoryMap udp = new MemoryMap("udp_flows", Layout.UdpKey.SIZE, Layout.UdpVal.SIZE, 2);
        MemoryMap conns = new MemoryMap("conns", 8, Layout.Conn.SIZE, 1);
        ProcessTable table = new ProcessTable();
        table.onExec(PID, "worker");
        AgentStream stream = new AgentStream(new MemoryMap("agent_seq", 4, 8, 1), IDENTITY);
        long[] clock = {100 * SECOND};

        Path eth0 = Files.createDirectories(sys.resolve("eth0").resolve("statistics"));
        for (String c : Fields.INTERFACE_COUNTERS) {
            Files.writeString(eth0.resolve(c), "1000\n");
        }
        InterfaceSampler interfaces = new InterfaceSampler(stream, sys);
        HostStat.Cpu cpuBefore = HostStat.parseCpu("cpu  4705 150 1120 16250 520 30 40 7 0 0\ncpu0 1 1 1 1 1 1 1 1 0 0\ncpu1 1 1 1 1 1 1 1 1 0 0\n");
        HostStat.Cpu cpuAfter = HostStat.parseCpu("cpu  4805 150 1150 16400 520 31 42 7 0 0\n");
        HostStat.Memory mem = HostStat.parseMemory("MemTotal: 24000000 kB\nMemAvailable: 20000000 kB\n");
        MapDrainer drainer = new MapDrainer(Map.of("syscall_counts", syscalls, "proc_stats", procs, "disk_io", disk,
                "file_io", fileIo, "udp_flows", udp, "drops", drops),
                new ConnectionTracker(conns, table, stream), table, stream, new SyscallNames(),
                new MapDrainer.Settings(1, true, true), () -> { },
                List.of(interfaces, (drafts, ts, interval) -> drafts.add(HostSampler.record(stream, ts, interval,
                        cpuAfter.minus(cpuBefore), 2, mem))),
                () -> null, () -> clock[0]);

        syscalls.putU64(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(PID).putInt(110).array(), 0,
                Layout.SyscallVal.COUNT, 120);
        byte[] syscallKey = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(PID).putInt(257).array();
        syscalls.putU64(syscallKey, 1, Layout.SyscallVal.COUNT, 7);
        syscalls.putU64(syscallKey, 1, Layout.SyscallVal.ERRORS, 2);

        byte[] proc = BpfMap.u32Key(PID);
        procs.putU64(proc, 0, Layout.ProcVal.ON_CPU_NS, 250_000_000L);
        procs.putU64(proc, 0, Layout.ProcVal.MIN_FLT, 300);
        procs.putU64(proc, 1, Layout.ProcVal.MAJ_FLT, 2);
        procs.putU64(proc, 0, Layout.ProcVal.RSS_BYTES, 48L << 20);
        procs.putU64(proc, 0, Layout.ProcVal.RSS_MAX_BYTES, 64L << 20);
        procs.putU64(proc, 0, Layout.ProcVal.READ_NS, 50);

        byte[] diskKey = ByteBuffer.allocate(Layout.DiskKey.SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(PID).putInt((240 << 20) | 13).putInt(1).array();
        disk.putU64(diskKey, 0, Layout.DiskVal.OPS, 3);
        disk.putU64(diskKey, 0, Layout.DiskVal.BYTES, 12288);
        disk.putU64(diskKey, 0, Layout.DiskVal.LATENCY_NS_SUM, 900_000);
        disk.putU64(diskKey, 0, Layout.DiskVal.HIST + 8 * 8, 3);

        byte[] ioKey = ByteBuffer.allocate(Layout.FileIoKey.SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(PID).putInt(1).putInt(0).array(); // a socket, read
        fileIo.putU64(ioKey, 1, Layout.FileIoVal.OPS, 4);
        fileIo.putU64(ioKey, 1, Layout.FileIoVal.BYTES, 8000);

        ByteBuffer udpKey = ByteBuffer.allocate(Layout.UdpKey.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        udpKey.putInt(Layout.UdpKey.PID, PID).putShort(Layout.UdpKey.LPORT, (short) 40001).putShort(Layout.UdpKey.RPORT, (short) 53);
        udpKey.put(Layout.UdpKey.FAMILY, (byte) 4).put(Layout.UdpKey.LADDR, (byte) 10).put(Layout.UdpKey.LADDR + 3, (byte) 1)
                .put(Layout.UdpKey.RADDR, (byte) 10).put(Layout.UdpKey.RADDR + 3, (byte) 53);
        udp.putU64(udpKey.array(), 0, Layout.UdpVal.DATAGRAMS_SENT, 2);
        udp.putU64(udpKey.array(), 0, Layout.UdpVal.BYTES_SENT, 80);
        udp.putU64(udpKey.array(), 1, Layout.UdpVal.DATAGRAMS_RECEIVED, 2);
        udp.putU64(udpKey.array(), 1, Layout.UdpVal.BYTES_RECEIVED, 240);

        ByteBuffer conn = ByteBuffer.allocate(Layout.Conn.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        conn.putLong(Layout.Conn.ID, 0xabcd_0001L).putInt(Layout.Conn.PID, PID).put(Layout.Conn.FAMILY, (byte) 4)
                .put(Layout.Conn.ANNOUNCED, (byte) 1).putShort(Layout.Conn.SPORT, (short) 40002)
                .putShort(Layout.Conn.DPORT, (short) 5432).putInt(Layout.Conn.RETRANSMITS, 1)
                .putLong(Layout.Conn.BYTES_SENT, 700).putLong(Layout.Conn.BYTES_RECEIVED, 4100);
        conn.put(Layout.Conn.SADDR, new byte[] {10, 0, 0, 1}).put(Layout.Conn.DADDR, new byte[] {10, 0, 0, 9});
        conn.put(Layout.Conn.COMM, "worker".getBytes(StandardCharsets.UTF_8));
        conns.update(BpfMap.u64Key(0xabcd_0001L), conn.array(), 0);

        drops.putU64(BpfMap.u32Key(Layout.DROP_REASONS.length - 1), 1, 0, 3);
        drainer.countDecodeFailure();

        CollectingSink sink = new CollectingSink();
        clock[0] += SECOND;
        drainer.drain(sink);
        for (String c : Fields.INTERFACE_COUNTERS) {
            Files.writeString(eth0.resolve(c), "1234\n");
        }
        clock[0] += SECOND;
        drainer.drain(sink);
        return sink.snapshot();
    }

    private static Event healthRecord() {
        KafkaSink.Stats s = new KafkaSink.Stats(1000, 990, 250_000, 10, 4096, 0, 0, 0, 0, 0, 3, true);
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put(Fields.PROBE_STATS, true);
        extras.put(Fields.PROGRAMS, ProgramStats.healthEntries(
                List.of(new ProgramCost("handle_sched_switch", 5000, 1_500_000, SECOND)),
                Map.of("handle_sched_switch", new ProgramCost("handle_sched_switch", 1000, 300_000, 0))));
        Event health = new Event(EventType.AGENT, IDENTITY.host(), IDENTITY.bootId(), -2, 9, 1_700_000_100L * SECOND, 0, null);
        return HealthRecord.fill(health, 10 * SECOND, HealthRecord.figures(s, 1_700_000_000L * SECOND, 1L << 30, extras));
    }

    // ------------------------------------------------------------------ the checks

    @Test
    void everyRecordTheAgentWritesFollowsTheEventTable() throws IOException {
        List<String> problems = new ArrayList<>();
        for (List<Event> records : RECORDS.values()) {
            for (Event e : records) {
                RecordCheck.problems(JSON.readTree(e.toJson())).forEach(p -> problems.add(p + "    in " + e.toJson()));
            }
        }
        assertEquals(List.of(), problems);
    }

    /** With redaction and anonymisation on, tokens stand where the table allows them, and nowhere else. */
    @Test
    void redactedAndAnonymisedRecordsFollowTheEventTable(@TempDir Path tmp) throws IOException {
        Path key = tmp.resolve("anonymise.key");
        Files.write(key, new byte[32]);
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        io.akmon.agent.redact.RedactionSettings settings = new io.akmon.agent.redact.RedactionSettings();
        settings.anonymiseKeyFile = key.toString();
        CollectingSink out = new CollectingSink();
        io.akmon.agent.publish.EventSink sink = io.akmon.agent.redact.RedactingSink.around(out, settings);
        // fresh records: the sink rewrites the records it is handed
        ringBufferRecords().forEach(sink::accept);
        drainedRecords(Files.createDirectories(tmp.resolve("sys"))).forEach(sink::accept);
        List<String> problems = new ArrayList<>();
        boolean tokens = false;
        for (Event e : out.snapshot()) {
            JsonNode n = JSON.readTree(e.toJson());
            tokens |= n.path(Fields.UID).isTextual();
            RecordCheck.problems(n).forEach(p -> problems.add(p + "    in " + e.toJson()));
        }
        assertEquals(List.of(), problems);
        assertEquals(true, tokens, "anonymisation put tokens in place of uids");
    }

    @Test
    void theInitialSampleOfAProcessOlderThanTheAgentFollowsTheEventTable() throws IOException {
        int self = (int) ProcessHandle.current().pid();
        AgentStream stream = new AgentStream(new MemoryMap("agent_seq", 4, 8, 1), HostIdentity.local(null));
        List<LongFunction<Event>> drafts = new ArrayList<>();
        new InitialMemory(stream, pid -> pid == self, 256).drain(drafts, System.currentTimeMillis() * 1_000_000L, SECOND);
        assertEquals(1, drafts.size());
        Event initial = drafts.get(0).apply(1);
        assertEquals(List.of(), RecordCheck.problems(JSON.readTree(initial.toJson())), initial.toJson());
    }

    @Test
    void theAuditRecordFollowsTheEventTable() throws IOException {
        Event audit = io.akmon.agent.security.AuditRecord.build(new io.akmon.agent.AgentSettings(), null, null, List.of(),
                new io.akmon.agent.security.Hardening.Result("cap_bpf,cap_perfmon", "cap_bpf", true, 120));
        assertEquals(List.of(), RecordCheck.problems(JSON.readTree(audit.toJson())), audit.toJson());
    }

    /**
     * Every family has fixture records, and every variant too, unless another variant with the same fields
     * has (one file change stands for the others, read for write).
     */
    @Test
    void everyVariantOfEveryFamilyTheAgentDecodesOrDrainsIsCovered() {
        List<String> missing = new ArrayList<>();
        EventContract.families().forEach((type, family) -> {
            if (type == EventType.AUDIT || !family.hasOwnFields()) {
                return; // audit: from the agent's settings (theAuditRecordFollowsTheEventTable); markers: common fields only
            }
            List<Event> records = RECORDS.getOrDefault(type, List.of());
            if (records.isEmpty()) {
                missing.add(type.wireName() + ": add a fixture record to GoldenRecordsTest");
            }
            java.util.Set<java.util.Set<String>> covered = new java.util.HashSet<>();
            for (Event e : records) {
                covered.add(fieldsOf(family, family.variantField() == null ? null : e.getString(family.variantField())));
            }
            for (String variant : family.variants()) {
                if (!covered.contains(fieldsOf(family, variant))) {
                    missing.add(type.wireName() + "(" + family.variantField() + "=" + variant
                            + "): add a fixture record to GoldenRecordsTest");
                }
            }
        });
        assertEquals(List.of(), missing);
    }

    private static java.util.Set<String> fieldsOf(io.akmon.schema.contract.Family family, String variant) {
        java.util.Set<String> names = new java.util.TreeSet<>();
        family.fields().stream().filter(f -> f.appliesTo(variant)).forEach(f -> names.add(f.name()));
        return names;
    }

    @Test
    void theGoldenRecordsAreTheAgentsOutput() throws IOException {
        Path dir = Files.createDirectories(goldenDir());
        for (Map.Entry<EventType, List<Event>> e : RECORDS.entrySet()) {
            StringBuilder b = new StringBuilder();
            for (Event r : e.getValue()) {
                b.append(r.toJson()).append('\n');
            }
            Path file = dir.resolve(e.getKey().wireName() + ".jsonl");
            if (!Files.exists(file) || !Files.readString(file).contentEquals(b)) {
                Files.writeString(file, b);
                System.out.println("golden records rewritten: " + file.toAbsolutePath().normalize()
                        + " (the agent's output changed: review the diff and commit it)");
            }
            for (String line : Files.readAllLines(file)) {
                JsonNode n = JSON.readTree(line);
                assertEquals(e.getKey().wireName(), n.path(Fields.TYPE).asText(), file + ": " + line);
            }
        }
    }
}

package io.akmon.flink.ingest;

import io.akmon.flink.testing.Records;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordParserTest {
    private final RecordParser parser = new RecordParser();

    private RecordParser.Result parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String common(String type, int version) {
        return "\"type\":\"" + type + "\",\"schema_version\":" + version
                + ",\"host\":\"h1\",\"boot_id\":\"b1\",\"cpu\":3,\"seq\":42,\"ts\":1767225600123456789,\"pid\":7";
    }

    @Test
    void readsEveryFamilyTheAgentWrites() {
        Event disk = Records.disk("h1", -1, 9, 1_000, 7, "dd", "vda", "write", 3, 12_288, 900_000, Records.hist(4, 3));
        RecordParser.Result r = parser.parse(Records.json(disk));
        assertNull(r.reason());
        Event e = r.event();
        assertEquals("disk", e.type);
        assertEquals("h1", e.host);
        assertEquals(Records.BOOT, e.bootId);
        assertEquals(-1, e.cpu);
        assertEquals(9, e.seq);
        assertEquals(disk.ts, e.ts);
        assertEquals(1_000, e.timestampMillis());
        assertEquals("dd", e.comm);
        assertEquals("vda", e.device);
        assertEquals("253:0", e.dev);
        assertEquals(3, e.ops);
        assertEquals(12_288, e.bytes);
        assertArrayEquals(Records.hist(4, 3), e.latencyHistUs);

        Event exit = parse("{" + common("exit", 1) + ",\"ppid\":1,\"exit_code\":3,\"signal\":9,\"core_dumped\":true,"
                + "\"lifetime_ns\":55,\"comm\":\"x\"}").event();
        assertEquals(3, exit.exitCode);
        assertEquals(9, exit.signal);
        assertTrue(exit.coreDumped);
        assertEquals(55, exit.lifetimeNs);
        assertEquals(1767225600123L, exit.timestampMillis());

        Event net = parse("{" + common("net", 1) + ",\"event\":\"stats\",\"conn\":\"ff01\",\"family\":4,"
                + "\"saddr\":\"10.0.0.1\",\"sport\":1,\"daddr\":\"10.0.0.2\",\"dport\":2,\"bytes_sent\":5,"
                + "\"bytes_received\":6,\"retransmits\":1,\"interval_ns\":1000}").event();
        assertEquals("ff01", net.conn);
        assertEquals(5, net.bytesSent);
        assertEquals(6, net.bytesReceived);

        Event udp = parse("{" + common("net", 1) + ",\"event\":\"udp\",\"conn\":\"u00ff\",\"family\":4,"
                + "\"saddr\":\"127.0.0.1\",\"sport\":5353,\"daddr\":\"0.0.0.0\",\"dport\":0,\"datagrams_sent\":3,"
                + "\"bytes_sent\":70,\"datagrams_received\":4,\"bytes_received\":90,\"interval_ns\":5}").event();
        assertEquals("udp", udp.event);
        Event udpCopy = EventSerializer.INSTANCE.copy(udp);
        assertEquals(3, udpCopy.datagramsSent);
        assertEquals(4, udpCopy.datagramsReceived);
        assertEquals(70, udpCopy.bytesSent);
        assertEquals(90, udpCopy.bytesReceived);

        Event iface = EventSerializer.INSTANCE.copy(parse("{" + common("net", 1) + ",\"event\":\"interface\",\"device\":\"eth0\","
                + "\"rx_bytes\":1,\"tx_bytes\":2,\"rx_packets\":3,\"tx_packets\":4,\"rx_dropped\":5,\"tx_dropped\":6,"
                + "\"rx_errors\":7,\"tx_errors\":8,\"interval_ns\":9}").event());
        assertEquals("eth0", iface.device);
        assertArrayEquals(new long[] {1, 2, 3, 4, 5, 6, 7, 8}, iface.ifCounters);
        assertEquals("missing field tx_errors", parse("{" + common("net", 1) + ",\"event\":\"interface\",\"device\":\"eth0\","
                + "\"rx_bytes\":1,\"tx_bytes\":2,\"rx_packets\":3,\"tx_packets\":4,\"rx_dropped\":5,\"tx_dropped\":6,"
                + "\"rx_errors\":7}").reason());

        Event file = parse("{" + common("file", 1) + ",\"op\":\"rename\",\"path\":\"/etc/a\",\"new_path\":\"/etc/b\","
                + "\"path_relative\":false,\"errno\":18,\"result\":\"EXDEV\",\"uid\":0}").event();
        assertEquals("rename", file.op);
        assertEquals("/etc/a", file.path);
        assertEquals("/etc/b", file.newPath);
        assertEquals(18, file.errno);
        Event io = parse("{" + common("file", 1) + ",\"op\":\"read\",\"fd_kind\":\"pipe\",\"ops\":2,\"bytes\":10,"
                + "\"interval_ns\":5}").event();
        assertEquals("pipe", EventSerializer.INSTANCE.copy(io).fdKind);
        assertEquals(10, io.bytes);
        assertEquals("unknown fd_kind 'tape'", parse("{" + common("file", 1)
                + ",\"op\":\"read\",\"fd_kind\":\"tape\",\"ops\":2,\"bytes\":10}").reason());
        Event copy = EventSerializer.INSTANCE.copy(file);
        assertEquals("file", copy.type);
        assertEquals("/etc/b", copy.newPath);
        assertEquals(18, copy.errno);

        Event lost = parse("{" + common("lost", 1) + ",\"source\":\"output\",\"lost\":12,\"source_cpu\":1}").event();
        assertEquals(12, lost.lost);
        assertEquals(1, lost.sourceCpu);

        // Fields from a newer agent that this job does not know are ignored.
        assertNull(parse("{" + common("agent", 1) + ",\"spool_depth\":3,\"whatever\":[1]}").reason());
    }

    @Test
    void readsTheProcessContextOfExecAndInitialRecordsAndKeepsItOnTheWire() {
        Event exec = parse("{" + common("exec", 1) + ",\"comm\":\"curl\",\"ppid\":4,\"uid\":1000,"
                + "\"filename\":\"/usr/bin/curl\",\"argv\":[\"curl\",\"-s\",\"http://x\"],\"argv_truncated\":false}").event();
        assertEquals(4, exec.ppid);
        assertEquals("1000", exec.uid);
        assertEquals("/usr/bin/curl", exec.filename);
        assertArrayEquals(new String[] {"curl", "-s", "http://x"}, exec.argv);
        Event copy = EventSerializer.INSTANCE.copy(exec);
        assertEquals("1000", copy.uid);
        assertEquals("/usr/bin/curl", copy.filename);
        assertArrayEquals(exec.argv, copy.argv);
        // An anonymised uid is a token.
        assertEquals("uid:5f2a", parse("{" + common("exec", 1) + ",\"uid\":\"uid:5f2a\"}").event().uid);
        assertEquals("argv[1] is not a string", parse("{" + common("exec", 1) + ",\"argv\":[\"a\",2]}").reason());
        assertEquals("argv is not an array of strings", parse("{" + common("exec", 1) + ",\"argv\":\"a b\"}").reason());

        Event initial = parse("{" + common("memory", 1) + ",\"event\":\"sample\",\"rss_bytes\":4096,\"initial\":true,"
                + "\"ppid\":1,\"uid\":0,\"start_ts\":1767225000000000000,\"filename\":\"/usr/sbin/sshd\","
                + "\"argv\":[\"sshd\",\"-D\"]}").event();
        assertTrue(initial.initial);
        assertEquals(1, initial.ppid);
        assertEquals(1767225000000000000L, initial.startTs);
        assertEquals("/usr/sbin/sshd", initial.filename);
        copy = EventSerializer.INSTANCE.copy(initial);
        assertTrue(copy.initial);
        assertEquals(1767225000000000000L, copy.startTs);
        assertEquals(4096, copy.rssBytes);
        assertArrayEquals(new String[] {"sshd", "-D"}, copy.argv);
        // A later sample says nothing of the process's context.
        Event later = parse("{" + common("memory", 1) + ",\"event\":\"sample\",\"rss_bytes\":4096,\"ppid\":1}").event();
        assertEquals(0, later.ppid);
    }

    @Test
    void explainsEveryRecordItCannotUse() {
        assertTrue(parse("not json").reason().startsWith("not JSON"));
        assertEquals("not a JSON object", parse("[1,2]").reason());
        assertEquals("empty record", parser.parse(new byte[0]).reason());
        assertEquals("unknown type 'teleport'", parse("{" + common("teleport", 1) + "}").reason());
        assertEquals("future schema version 2 (this job reads up to 1)",
                parse("{" + common("cpu", 2) + ",\"on_cpu_ns\":1}").reason());
        assertEquals("missing field on_cpu_ns", parse("{" + common("cpu", 1) + "}").reason());
        assertEquals("field seq is not an integer",
                parse("{" + common("cpu", 1).replace("\"seq\":42", "\"seq\":\"42\"") + ",\"on_cpu_ns\":1}").reason());
        assertEquals("missing field host", parse("{\"type\":\"cpu\",\"schema_version\":1}").reason());
        long dayAhead = (System.currentTimeMillis() + 86_400_000L) * 1_000_000L;
        String reason = parse("{" + common("cpu", 1).replace("1767225600123456789", Long.toString(dayAhead))
                + ",\"on_cpu_ns\":1}").reason();
        assertTrue(reason.startsWith("ts is 86") && reason.endsWith("s in the future (more than 3600 s ahead of "
                + "this machine's clock)"), reason);
        assertEquals("unknown file op 'teleport'",
                parse("{" + common("file", 1) + ",\"op\":\"teleport\",\"path\":\"/a\"}").reason());
        assertEquals("missing field path", parse("{" + common("file", 1) + ",\"op\":\"unlink\"}").reason());
        assertEquals("unknown net event 'teleport'",
                parse("{" + common("net", 1) + ",\"event\":\"teleport\",\"conn\":\"1\"}").reason());
    }

    @Test
    void deadLettersLeaveTheStreamCountedAndWithTheirOrigin() throws Exception {
        EnvelopeDeserializer d = new EnvelopeDeserializer();
        try (var h = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new SplitDeadLetters()))) {
            h.open();
            h.processElement(d.toEnvelope("garbage".getBytes(StandardCharsets.UTF_8), "akmon.cpu", 1, 77), 0);
            h.processElement(d.toEnvelope(Records.json(Records.cpu("h1", 0, 1, 1_000, 7, "a", 5)), "akmon.cpu", 1, 78), 0);
            List<Event> events = h.extractOutputValues();
            assertEquals(1, events.size());
            assertEquals(5, events.get(0).onCpuNs);
            var dead = List.copyOf(h.getSideOutput(SplitDeadLetters.DEAD_LETTERS));
            assertEquals(1, dead.size());
            DeadLetter letter = dead.get(0).getValue();
            assertEquals("akmon.cpu", letter.topic);
            assertEquals(1, letter.partition);
            assertEquals(77, letter.offset);
            assertEquals("garbage", letter.payload);
            assertTrue(letter.reason.startsWith("not JSON"));
        }
    }

    @Test
    void aFrameOfRecordsGivesEachRecordAndADeadLetterForTheBadOneOnly() throws Exception {
        byte[] a = Records.json(Records.cpu("h1", 0, 1, 1_000, 7, "a", 5));
        byte[] b = Records.json(Records.cpu("h1", 0, 2, 1_001, 7, "a", 6));
        byte[] frame = (new String(a, StandardCharsets.UTF_8) + "\ngarbage\n" + new String(b, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8);
        List<Envelope> out = new java.util.ArrayList<>();
        new EnvelopeDeserializer().deserialize(new org.apache.kafka.clients.consumer.ConsumerRecord<>("akmon.cpu", 2, 9L, null, frame),
                new org.apache.flink.util.Collector<>() {
                    @Override
                    public void collect(Envelope e) {
                        out.add(e);
                    }

                    @Override
                    public void close() {
                    }
                });
        assertEquals(3, out.size());
        assertEquals(5, out.get(0).event.onCpuNs);
        assertEquals("garbage", out.get(1).deadLetter.payload);
        assertEquals(9, out.get(1).deadLetter.offset);
        assertEquals(6, out.get(2).event.onCpuNs);
    }
}

package io.akmon.agent.decode;

import io.akmon.agent.event.Event;
import io.akmon.agent.host.HostIdentity;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.akmon.agent.testing.KernelRecords.put;
import static io.akmon.agent.testing.KernelRecords.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordDecoderTest {
    private final RecordDecoder decoder = new RecordDecoder(new HostIdentity("h1", "boot-1", 1_000_000_000L));

    @Test
    void exitStatusSplitsIntoCodeSignalAndCore() {
        ByteBuffer b = record(Layout.REC_EXIT, Layout.Exit.SIZE, 1, 5, 42);
        b.putInt(Layout.Exit.PID, 100).putInt(Layout.Exit.PPID, 1).putInt(Layout.Exit.EXIT_CODE, (3 << 8))
                .putLong(Layout.Exit.LIFETIME_NS, 777);
        put(b, Layout.Exit.COMM, "crashy");
        Event e = decoder.decode(b);
        assertEquals(EventType.EXIT, e.type());
        assertEquals(100, e.pid());
        assertEquals("crashy", e.comm());
        assertEquals(3L, e.getLong(Fields.EXIT_CODE));
        assertEquals(0L, e.getLong(Fields.SIGNAL));
        assertEquals(false, e.get(Fields.CORE_DUMPED));
        assertEquals(1_000_000_005L, e.tsNs(), "boottime plus the boot epoch");
        assertEquals(42, e.seq());
        assertEquals(1, e.cpu());

        ByteBuffer killed = record(Layout.REC_EXIT, Layout.Exit.SIZE, 0, 5, 43);
        killed.putInt(Layout.Exit.EXIT_CODE, 0x80 | 11); // SIGSEGV with a core
        Event k = decoder.decode(killed);
        assertEquals(0L, k.getLong(Fields.EXIT_CODE));
        assertEquals(11L, k.getLong(Fields.SIGNAL));
        assertEquals(true, k.get(Fields.CORE_DUMPED));
    }

    @Test
    void execKeepsArgvAndMarksATruncatedOne() {
        ByteBuffer b = record(Layout.REC_EXEC, Layout.Exec.SIZE, 0, 1, 1);
        b.putInt(Layout.Exec.PID, 7).putInt(Layout.Exec.PPID, 6).putInt(Layout.Exec.UID, 1000);
        put(b, Layout.Exec.FILENAME, "/bin/ls");
        b.putShort(Layout.Exec.FILENAME_LEN_FIELD, (short) 7);
        byte[] argv = "ls\0-l\0/tm".getBytes(StandardCharsets.UTF_8);
        b.put(Layout.Exec.ARGV, argv);
        b.putShort(Layout.Exec.ARGV_LEN_FIELD, (short) argv.length);
        b.put(Layout.Exec.ARGV_TRUNCATED, (byte) 1);
        put(b, Layout.Exec.COMM, "ls");
        Event e = decoder.decode(b);
        assertEquals("/bin/ls", e.getString(Fields.FILENAME));
        assertEquals(List.of("ls", "-l", "/tm"), e.get(Fields.ARGV));
        assertEquals(true, e.get(Fields.ARGV_TRUNCATED));
        assertEquals(1000L, e.getLong(Fields.UID));
    }

    /**
     * Record sizes are bounded at the source: the kernel copies at most 16 bytes of comm, 256 of filename
     * and 1024 of argv, and the decoder never reads past them whatever length a record claims. Even when
     * every byte is one JSON must escape six-fold, the JSON record stays below 16 kB.
     */
    @Test
    void theLargestExecRecordStaysBelowSixteenKilobytesOfJsonWhateverItsBytes() {
        ByteBuffer b = record(Layout.REC_EXEC, Layout.Exec.SIZE, 0, 1, 1);
        b.putInt(Layout.Exec.PID, 7).putInt(Layout.Exec.PPID, 6).putInt(Layout.Exec.UID, 1000);
        byte[] filename = new byte[Layout.FILENAME_LEN];
        java.util.Arrays.fill(filename, (byte) 1);
        b.put(Layout.Exec.FILENAME, filename);
        b.putShort(Layout.Exec.FILENAME_LEN_FIELD, (short) 0xffff); // claims more than the field holds
        byte[] argv = new byte[Layout.ARGV_LEN];
        for (int i = 0; i < argv.length; i++) {
            argv[i] = i % 7 == 6 ? 0 : (byte) (i % 2 == 0 ? 1 : '"');
        }
        b.put(Layout.Exec.ARGV, argv);
        b.putShort(Layout.Exec.ARGV_LEN_FIELD, (short) 0xffff);
        byte[] comm = new byte[Layout.COMM_LEN];
        java.util.Arrays.fill(comm, (byte) 2);
        b.put(Layout.Exec.COMM, comm);
        Event e = decoder.decode(b);
        String json = e.toJson();
        int argvChars = ((List<?>) e.get(Fields.ARGV)).stream().mapToInt(a -> ((String) a).length()).sum();
        assertTrue(argvChars <= Layout.ARGV_LEN, "argv capped at " + Layout.ARGV_LEN + " bytes: " + argvChars);
        assertTrue(e.getString(Fields.FILENAME).length() <= Layout.FILENAME_LEN);
        assertTrue(json.getBytes(StandardCharsets.UTF_8).length < 16 * 1024, "exec record of " + json.length() + " bytes");
        assertTrue(json.getBytes(StandardCharsets.UTF_8).length > 4 * 1024, "the escapes were written: " + json.length());
    }

    @Test
    void ipv4MappedAddressesPrintAsIpv4() {
        ByteBuffer b = record(Layout.REC_NET, Layout.Net.SIZE, 0, 1, 1);
        b.put(Layout.Net.EVENT, (byte) Layout.NET_CONNECT).put(Layout.Net.FAMILY, (byte) 6);
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 0, 1};
        b.put(Layout.Net.SADDR, mapped).put(Layout.Net.DADDR, mapped);
        b.putShort(Layout.Net.SPORT, (short) 50000).putShort(Layout.Net.DPORT, (short) 443);
        Event e = decoder.decode(b);
        assertEquals(4L, e.getLong(Fields.FAMILY));
        assertEquals("10.0.0.1", e.getString(Fields.SADDR));
        assertEquals(50000L, e.getLong(Fields.SPORT));
        assertEquals(443L, e.getLong(Fields.DPORT));
        assertEquals("connect", e.getString(Fields.EVENT));
        assertFalse(e.toJson().contains(Fields.BYTES_SENT), "only close records carry byte totals");
    }

    @Test
    void recordsThatDoNotMatchTheLayoutAreRejectedNotGuessed() {
        assertThrows(RecordDecoder.BadRecordException.class, () -> decoder.decode(ByteBuffer.allocate(8)));
        assertThrows(RecordDecoder.BadRecordException.class, () -> decoder.decode(record(99, 64, 0, 0, 0)));
        ByteBuffer wrongSize = record(Layout.REC_FORK, Layout.Fork.SIZE, 0, 0, 0);
        wrongSize.putShort(Layout.Hdr.SIZE_FIELD, (short) 40);
        RecordDecoder.BadRecordException ex = assertThrows(RecordDecoder.BadRecordException.class, () -> decoder.decode(wrongSize));
        assertTrue(ex.getMessage().contains("different builds"), ex.getMessage());
    }

    @Test
    void jsonHasTheCommonFieldsFirst() {
        ByteBuffer b = record(Layout.REC_FORK, Layout.Fork.SIZE, 1, 10, 9);
        b.putInt(Layout.Fork.PID, 11).putInt(Layout.Fork.PPID, 10);
        put(b, Layout.Fork.COMM, "bash");
        assertEquals("{\"type\":\"fork\",\"schema_version\":1,\"host\":\"h1\",\"boot_id\":\"boot-1\",\"cpu\":1,\"seq\":9,"
                + "\"ts\":1000000010,\"pid\":11,\"comm\":\"bash\",\"ppid\":10}", decoder.decode(b).toJson());
    }

    @Test
    void aFileRecordCarriesItsOpPathsAndResult() {
        ByteBuffer b = record(Layout.REC_FILE, Layout.File.SIZE, 1, 9, 3);
        b.putInt(Layout.File.PID, 41).putInt(Layout.File.TID, 42).putInt(Layout.File.UID, 1000)
                .putInt(Layout.File.RET, -18).putShort(Layout.File.OP, (short) 4)
                .putShort(Layout.File.FLAGS, (short) Layout.FILE_PATH2_RELATIVE).putShort(Layout.File.NR, (short) 82);
        put(b, Layout.File.COMM, "mv");
        put(b, Layout.File.PATH, "/etc/passwd-");
        b.putShort(Layout.File.PATH_LEN_FIELD, (short) 12);
        put(b, Layout.File.PATH2, "passwd.new");
        b.putShort(Layout.File.PATH2_LEN_FIELD, (short) 10);
        Event e = decoder.decode(b);
        assertEquals(EventType.FILE, e.type());
        assertEquals("rename", e.getString(Fields.OP));
        assertEquals("/etc/passwd-", e.getString(Fields.PATH));
        assertEquals(false, e.get(Fields.PATH_RELATIVE));
        assertEquals("passwd.new", e.getString(Fields.NEW_PATH));
        assertEquals(true, e.get(Fields.NEW_PATH_RELATIVE));
        assertEquals("EXDEV", e.getString(Fields.RESULT));
        assertEquals(18L, e.getLong(Fields.ERRNO));
        assertEquals("rename", e.getString(Fields.SYSCALL));
        assertEquals(1000L, e.getLong(Fields.UID));
        assertEquals(42L, e.getLong(Fields.TID));

        ByteBuffer lying = record(Layout.REC_FILE, Layout.File.SIZE, 1, 9, 4);
        lying.putShort(Layout.File.OP, (short) 1).putShort(Layout.File.PATH_LEN_FIELD, (short) 9999);
        put(lying, Layout.File.PATH, "/tmp/x");
        assertEquals("/tmp/x", decoder.decode(lying).getString(Fields.PATH), "a length past the field stops at its NUL");

        ByteBuffer unknown = record(Layout.REC_FILE, Layout.File.SIZE, 1, 9, 5);
        unknown.putShort(Layout.File.OP, (short) 99);
        assertThrows(RecordDecoder.BadRecordException.class, () -> decoder.decode(unknown));
    }
}

package io.akmon.agent.redact;

import io.akmon.agent.event.Event;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.publish.CollectingSink;
import io.akmon.agent.publish.EventSink;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnonymiserTest {
    @TempDir
    Path tmp;

    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @Test
    void sameValueSameTokenOtherKeyOtherToken() {
        Anonymiser a = new Anonymiser(KEY);
        assertEquals(a.token("uid", "1000"), a.token("uid", "1000"));
        assertNotEquals(a.token("uid", "1000"), a.token("uid", "1001"));
        assertNotEquals(a.token("uid", "1000"), new Anonymiser("another key of 16+ bytes".getBytes()).token("uid", "1000"));
        assertTrue(a.token("ip", "10.0.0.1").matches("ip:[0-9a-f]{16}"), a.token("ip", "10.0.0.1"));
        // the kind is part of the input: uid 1 and the address "1" are different tokens
        assertNotEquals(a.token("uid", "1").substring(4), a.token("ip", "1").substring(3));
    }

    @Test
    void keyFileMustBePrivateAndLongEnough() throws Exception {
        Path key = tmp.resolve("key");
        Files.write(key, KEY);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        ProbeException e = assertThrows(ProbeException.class, () -> Anonymiser.fromKeyFile(key));
        assertTrue(e.oneLine().contains("readable by others") && e.oneLine().contains("chmod 600"), e.oneLine());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        assertEquals(new Anonymiser(KEY).token("uid", "0"), Anonymiser.fromKeyFile(key).token("uid", "0"));
        Files.write(key, new byte[4]);
        e = assertThrows(ProbeException.class, () -> Anonymiser.fromKeyFile(key));
        assertTrue(e.oneLine().contains("4 bytes"), e.oneLine());
    }

    @Test
    void sinkRedactsArgvAndHashesUidsAndAddresses() throws Exception {
        Path key = tmp.resolve("key");
        Files.write(key, KEY);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("r--------"));
        RedactionSettings s = new RedactionSettings();
        s.anonymiseKeyFile = key.toString();
        CollectingSink out = new CollectingSink();
        EventSink sink = RedactingSink.around(out, s);
        sink.accept(new Event(EventType.EXEC, "h", "b", 0, 1, 1, 42, "mysql")
                .put(Fields.UID, 1000).put(Fields.ARGV, List.of("mysql", "-phunter2")));
        sink.accept(new Event(EventType.NET, "h", "b", 0, 2, 2, 42, "curl")
                .put(Fields.SADDR, "10.1.2.3").put(Fields.DADDR, "192.168.0.9"));
        Anonymiser a = new Anonymiser(KEY);
        Event exec = out.snapshot().get(0);
        assertEquals(List.of("mysql", "-p" + ArgvRedactor.MASK), exec.get(Fields.ARGV));
        assertEquals(a.token("uid", "1000"), exec.get(Fields.UID));
        Event net = out.snapshot().get(1);
        assertEquals(a.token("ip", "10.1.2.3"), net.get(Fields.SADDR));
        assertEquals(a.token("ip", "192.168.0.9"), net.get(Fields.DADDR));
    }

    @Test
    void redactionOffAndNoKeyIsTheSinkItself() {
        RedactionSettings s = new RedactionSettings();
        s.enabled = false;
        CollectingSink out = new CollectingSink();
        assertSame(out, RedactingSink.around(out, s));
    }
}

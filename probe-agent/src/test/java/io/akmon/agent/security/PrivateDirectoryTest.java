package io.akmon.agent.security;

import io.akmon.agent.loader.ProbeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrivateDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void createsOwnerOnlyWhateverTheUmask() throws Exception {
        Path dir = tmp.resolve("a/b/spool");
        PrivateDirectory.prepare(dir, "spool directory", "--spool-dir");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        PrivateDirectory.prepare(dir, "spool directory", "--spool-dir"); // and accepts it next time
    }

    @Test
    void refusesADirectoryOthersCanEnterWithTheFix() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProbeException e = assertThrows(ProbeException.class, () -> PrivateDirectory.prepare(dir, "spool directory", "--spool-dir"));
        assertEquals("spool directory " + dir + " is open to others (rwxr-xr-x); it holds data only the agent may read; fix: chmod 700 " + dir,
                e.oneLine());
    }

    @Test
    void refusesADirectoryOfAnotherUser() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("theirs"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.setAttribute(dir, "unix:uid", 65534);
        ProbeException e = assertThrows(ProbeException.class, () -> PrivateDirectory.prepare(dir, "pin directory", "--pin-dir"));
        assertTrue(e.oneLine().contains("belongs to uid 65534") && e.oneLine().contains("fix: chown "), e.oneLine());
    }

    @Test
    void refusesASymlinkOrAFile() throws Exception {
        Path target = Files.createDirectory(tmp.resolve("target"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
        ProbeException e = assertThrows(ProbeException.class, () -> PrivateDirectory.prepare(link, "data directory", "--data-dir"));
        assertTrue(e.oneLine().contains("is not a directory (a symbolic link)"), e.oneLine());
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThrows(ProbeException.class, () -> PrivateDirectory.prepare(file, "data directory", "--data-dir"));
    }
}

package io.akmon.agent.security;

import io.akmon.agent.loader.Native;
import io.akmon.agent.loader.ProbeException;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The agent's own directories (spool, pins, data): created 0700 for the user the agent runs as,
 * and, when they exist already, refused unless that user owns them and nobody else can enter them.
 */
public final class PrivateDirectory {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private PrivateDirectory() {
    }

    /**
     * Creates {@code dir} 0700 if it is missing (its parents as the umask says), else checks it.
     *
     * @param what what the directory is for, as the error should name it ("spool directory")
     * @param option the option that points elsewhere ("--spool-dir")
     * @throws ProbeException naming the problem and the fix
     * @throws IOException when it can neither be created nor read
     */
    public static Path prepare(Path dir, String what, String option) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            if (dir.getParent() != null) {
                Files.createDirectories(dir.getParent());
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                Files.setPosixFilePermissions(dir, OWNER_ONLY); // exact, whatever the umask
                return dir;
            } catch (FileAlreadyExistsException raced) {
                // created meanwhile: check it like any other
            }
        }
        check(dir, what, option);
        return dir;
    }

    /** Refuses a directory that is a symlink, not ours, or open to group or others. */
    public static void check(Path dir, String what, String option) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new ProbeException(what + " " + dir + " is not a directory" + (Files.isSymbolicLink(dir) ? " (a symbolic link)" : ""),
                    "remove it, or point " + option + " at a directory of the agent's own");
        }
        int owner = ((Number) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue();
        int self = Native.libc().geteuid();
        if (owner != self) {
            throw new ProbeException(what + " " + dir + " belongs to uid " + owner + ", but the agent runs as uid " + self,
                    "chown " + self + " " + dir + " (or point " + option + " at a directory the agent's user owns)");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        for (PosixFilePermission p : perms) {
            if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
                throw new ProbeException(what + " " + dir + " is open to others (" + PosixFilePermissions.toString(perms)
                        + "); it holds data only the agent may read", "chmod 700 " + dir);
            }
        }
    }
}

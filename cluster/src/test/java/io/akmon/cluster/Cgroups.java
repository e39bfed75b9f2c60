package io.akmon.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** cgroup v2 groups for the watched hosts: one directory each under the unified hierarchy. */
final class Cgroups {
    private Cgroups() {
    }

    static Path root() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            if (f[2].equals("cgroup2")) {
                return Path.of(f[1]);
            }
        }
        throw new IllegalStateException("no cgroup v2 hierarchy mounted; fix: mount -t cgroup2 none /sys/fs/cgroup");
    }

    static Path create(String name) throws IOException {
        Path g = root().resolve(name);
        Files.createDirectories(g);
        return g;
    }

    static void move(Path group, long pid) {
        try {
            Files.writeString(group.resolve("cgroup.procs"), Long.toString(pid));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + pid + " into " + group, e);
        }
    }

    /** Removes the (by now empty) group; a member still alive is moved to the root first. */
    static void remove(Path group) {
        try {
            if (Files.exists(group.resolve("cgroup.procs"))) {
                for (String pid : Files.readAllLines(group.resolve("cgroup.procs"))) {
                    if (!pid.isBlank()) {
                        Files.writeString(root().resolve("cgroup.procs"), pid.trim());
                    }
                }
            }
            Files.deleteIfExists(group);
        } catch (IOException e) {
            // leftover empty group: harmless, named after this test run's pid
        }
    }
}

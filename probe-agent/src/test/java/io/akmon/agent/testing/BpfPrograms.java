package io.akmon.agent.testing;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * The BPF programs one process holds, and whether they are gone. Precise where counting every
 * {@code akmon_*} program in the kernel is not: other agents may load and unload theirs meanwhile.
 */
public final class BpfPrograms {
    private BpfPrograms() {
    }

    /** Ids of the programs a process holds, directly or through links, read from its fds' fdinfo. */
    public static Set<Long> heldBy(long pid) throws IOException {
        Set<Long> ids = new TreeSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fdinfo"))) {
            for (Path fd : fds) {
                try {
                    for (String line : Files.readAllLines(fd)) {
                        if (line.startsWith("prog_id:")) {
                            ids.add(Long.parseLong(line.substring(8).trim()));
                        }
                    }
                } catch (IOException closedMeanwhile) {
                    // fds come and go while the process runs
                }
            }
        }
        return ids;
    }

    /** Those of {@code ids} still loaded in the kernel. */
    public static Set<Long> stillLoaded(Set<Long> ids) throws IOException, InterruptedException {
        Set<Long> loaded = new TreeSet<>();
        for (long id : ids) {
            Process show = new ProcessBuilder("bpftool", "prog", "show", "id", Long.toString(id)).start();
            show.getInputStream().readAllBytes();
            show.getErrorStream().readAllBytes();
            if (show.waitFor() == 0) {
                loaded.add(id);
            }
        }
        return loaded;
    }
}

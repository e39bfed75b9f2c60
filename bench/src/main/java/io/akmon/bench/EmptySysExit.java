package io.akmon.bench;

import io.akmon.agent.loader.BpfObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One empty program on {@code tp_btf/sys_exit}, the attach point the agent's syscall family uses: what any
 * per-syscall probe costs before it does anything, the baseline of the getppid target. Compiled here with
 * clang (as the agent's own object is built), loaded and attached through the agent's loader.
 */
final class EmptySysExit implements AutoCloseable {
    /** No headers: an empty program needs no kernel types, and the section names are libbpf's. */
    static final String SOURCE = """
            char LICENSE[] __attribute__((section("license"), used)) = "GPL";
            __attribute__((section("tp_btf/sys_exit"), used)) int empty_sys_exit(void *ctx) { return 0; }
            """;
    static final String PROGRAM = "empty_sys_exit";

    private final BpfObject object;

    private EmptySysExit(BpfObject object) {
        this.object = object;
    }

    static EmptySysExit attach() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("akmon-bench-empty");
        try {
            Path source = Files.writeString(dir.resolve("empty.bpf.c"), SOURCE);
            Path object = dir.resolve("empty.bpf.o");
            Process clang = new ProcessBuilder("clang", "-g", "-O2", "-target", "bpf", "-c", source.toString(), "-o",
                    object.toString()).redirectErrorStream(true).start();
            String out = new String(clang.getInputStream().readAllBytes());
            if (clang.waitFor() != 0) {
                throw new IllegalStateException("clang cannot build the empty sys_exit program: " + out.strip()
                        + "; fix: install clang (./akmon installs it)");
            }
            BpfObject o = BpfObject.open(object, null);
            try {
                o.load();
                if (!o.attach(PROGRAM)) {
                    throw new IllegalStateException("cannot attach the empty program to tp_btf/sys_exit");
                }
            } catch (RuntimeException e) {
                o.close();
                throw e;
            }
            return new EmptySysExit(o);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    @Override
    public void close() {
        object.close();
    }
}

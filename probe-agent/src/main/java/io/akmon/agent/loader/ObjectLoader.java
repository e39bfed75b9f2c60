package io.akmon.agent.loader;

import io.akmon.agent.decode.Layout;
import io.akmon.agent.host.HostIdentity;
import io.akmon.agent.security.PrivateDirectory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens the agent's BPF object, patches its settings into .rodata, sizes and pins its maps and
 * loads it. An optional program the verifier rejects (an older kernel's struct layout, say) is left
 * out with a warning and the load retried; a pinned map from an incompatible build is replaced,
 * with sequences seeded past anything it could have issued.
 */
public final class ObjectLoader {
    private static final Pattern FAILED_PROG = Pattern.compile("prog '([a-z_0-9]+)': (?:failed|BPF program load failed)");
    /** Test-run on every CPU before a drain; see cpu.bpf.c. */
    public static final String CPU_FLUSH = "akmon_cpu_flush";
    private static final List<String> PINNED = List.of("seqs", "agent_seq");

    /** What is patched into the object before load. */
    public record Options(String btf, String pinDir, boolean filterPids, boolean filterComms, boolean filterCgroups,
                          int syscallSampleRate, boolean usePerf, int argvMax, int wakeupBytes, int ringbufBytes) {
    }

    /** A loaded object and the probes it holds. */
    public record Loaded(BpfObject object, List<Probe> probes) {
    }

    private final Consumer<String> warn;

    public ObjectLoader(Consumer<String> warn) {
        this.warn = warn;
    }

    public Loaded load(Options o, List<Probe> planned) {
        Path objectFile = extractObject();
        List<Probe> probes = new ArrayList<>(planned);
        boolean seed = false;
        String pinDir = preparePinDir(o.pinDir());
        for (int attempt = 0; ; attempt++) {
            LibbpfLog.clear();
            BpfObject obj = BpfObject.open(objectFile, "/sys/kernel/btf/vmlinux".equals(o.btf()) ? null : o.btf());
            try {
                configure(obj, o, probes, pinDir);
                obj.load();
                if (seed) {
                    seedSequences(obj.map("seqs"), obj.map("agent_seq"));
                }
                return new Loaded(obj, probes);
            } catch (ProbeException e) {
                obj.close();
                String libbpf = LibbpfLog.lastLines();
                if (attempt < Probe.values().length && pinDir != null && libbpf.contains("reuse pinned map")) {
                    warn.accept("pinned maps in " + pinDir + " come from another build; replacing them (sequences restart past the old ones)");
                    deletePins(pinDir);
                    seed = true;
                    continue;
                }
                Probe failed = failedProbe(libbpf);
                if (attempt < Probe.values().length && failed != null && !failed.required() && probes.remove(failed)) {
                    warn.accept("the kernel rejected " + failed.program() + " (" + failed.family().wireName() + "); continuing without it");
                    continue;
                }
                throw e;
            } catch (RuntimeException e) {
                obj.close();
                throw e;
            }
        }
    }

    /** The .rodata settings, laid out as struct akmon_config. */
    static byte[] rodata(Options o) {
        ByteBuffer cfg = ByteBuffer.allocate(Layout.Config.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        cfg.putInt(Layout.Config.FILTER_PIDS, o.filterPids() ? 1 : 0);
        cfg.putInt(Layout.Config.FILTER_COMMS, o.filterComms() ? 1 : 0);
        cfg.putInt(Layout.Config.FILTER_CGROUPS, o.filterCgroups() ? 1 : 0);
        cfg.putInt(Layout.Config.SYSCALL_SAMPLE_RATE, o.syscallSampleRate());
        cfg.putInt(Layout.Config.USE_PERF, o.usePerf() ? 1 : 0);
        cfg.putInt(Layout.Config.ARGV_MAX, o.argvMax());
        cfg.putInt(Layout.Config.WAKEUP_BYTES, o.usePerf() ? 0 : o.wakeupBytes());
        return cfg.array();
    }

    private static void configure(BpfObject obj, Options o, List<Probe> probes, String pinDir) {
        for (String prog : obj.programNames()) {
            Probe p = Probe.byProgram(prog);
            boolean cpuFlush = CPU_FLUSH.equals(prog) && probes.contains(Probe.SCHED_SWITCH);
            obj.setAutoload(prog, cpuFlush || (p != null && probes.contains(p)));
        }
        obj.patchInitialValue(obj.rodataMapName(), rodata(o));
        // the transport not in use keeps a token size
        obj.setMaxEntries("events", o.usePerf() ? 4096 : o.ringbufBytes());
        if (pinDir != null) {
            for (String m : PINNED) {
                obj.setPinPath(m, pinDir + "/" + m);
            }
        }
    }

    private static Probe failedProbe(String libbpfLines) {
        Matcher m = FAILED_PROG.matcher(libbpfLines);
        return m.find() ? Probe.byProgram(m.group(1)) : null;
    }

    /** Makes sure a BPF filesystem is mounted under the pin directory; null (no pinning) if it cannot be. */
    private String preparePinDir(String pinDir) {
        if (pinDir == null || pinDir.isBlank()) {
            return null;
        }
        Path dir = Path.of(pinDir);
        Path fs = dir.getParent() != null ? dir.getParent() : dir;
        try {
            if (!isBpfFs(fs)) {
                Files.createDirectories(fs);
                if (Native.libc().mount("bpf", fs.toString(), "bpf", 0, null) != 0) {
                    warn.accept("cannot mount a BPF filesystem at " + fs + " (" + Native.describeErrno(Native.errno())
                            + "): sequence numbers restart when the agent restarts; mount one with: mount -t bpf bpf " + fs);
                    return null;
                }
            }
            PrivateDirectory.prepare(dir, "pin directory", "--pin-dir");
            return dir.toString();
        } catch (IOException e) {
            warn.accept("cannot use " + pinDir + " for pinned maps (" + e.getMessage() + "): sequence numbers restart when the agent restarts");
            return null;
        }
    }

    private static boolean isBpfFs(Path p) throws IOException {
        String target = p.toAbsolutePath().normalize().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 2 && f[1].equals(target) && f[2].equals("bpf")) {
                return true;
            }
        }
        return false;
    }

    private static void deletePins(String pinDir) {
        for (String name : PINNED) {
            try {
                Files.deleteIfExists(Path.of(pinDir, name));
            } catch (IOException ignored) {
                // the retry reports it if it matters
            }
        }
    }

    /** Fresh counters after replacing stale pins: start past any number the old ones could have reached. */
    private static void seedSequences(BpfMap seqs, BpfMap agentSeq) {
        long start = HostIdentity.boottimeNs();
        ByteBuffer perCpu = ByteBuffer.allocate(seqs.valueBufferSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < seqs.cpus(); c++) {
            perCpu.putLong(c * seqs.slotSize(), start);
        }
        seqs.update(BpfMap.u32Key(0), perCpu.array(), BpfMap.BPF_ANY);
        agentSeq.update(BpfMap.u32Key(0), BpfMap.u64Key(start), BpfMap.BPF_ANY);
    }

    private static Path extractObject() {
        try (InputStream in = ObjectLoader.class.getResourceAsStream("/bpf/akmon.bpf.o")) {
            if (in == null) {
                throw new ProbeException("the agent jar has no BPF object (bpf/akmon.bpf.o)", "rebuild: ./akmon test builds everything");
            }
            Path tmp = Files.createTempFile("akmon", ".bpf.o");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        } catch (IOException e) {
            throw new ProbeException("cannot unpack the BPF object: " + e.getMessage(), "make the temporary directory writable");
        }
    }
}

package io.akmon.agent.loader;

import java.lang.ref.Reference;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.NumberByReference;
import jnr.ffi.TypeAlias;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One opened libbpf object: its maps and programs before load, then loaded and attached. Closing it
 * destroys every link and so detaches every program.
 */
public final class BpfObject implements AutoCloseable {
    private final LibBpf bpf;
    private final Runtime runtime;
    private final Pointer obj;
    private final Map<String, Pointer> maps = new LinkedHashMap<>();
    private final Map<String, Pointer> programs = new LinkedHashMap<>();
    private final List<Pointer> links = new ArrayList<>();
    private final List<String> attached = new ArrayList<>();
    private boolean closed;

    private BpfObject(LibBpf bpf, Pointer obj) {
        this.bpf = bpf;
        this.runtime = Runtime.getRuntime(bpf);
        this.obj = obj;
        for (Pointer m = bpf.bpf_object__next_map(obj, null); m != null; m = bpf.bpf_object__next_map(obj, m)) {
            maps.put(bpf.bpf_map__name(m), m);
        }
        for (Pointer p = bpf.bpf_object__next_program(obj, null); p != null; p = bpf.bpf_object__next_program(obj, p)) {
            programs.put(bpf.bpf_program__name(p), p);
        }
    }

    /**
     * Opens an object file. {@code btfPath}, if not null, is the kernel BTF to relocate against
     * (for kernels without /sys/kernel/btf/vmlinux).
     */
    public static BpfObject open(Path file, String btfPath) {
        LibBpf bpf = Native.bpf();
        LibbpfLog.install(bpf);
        Runtime rt = Runtime.getRuntime(bpf);
        // struct bpf_object_open_opts (libbpf 1.x): sz, object_name, relaxed_maps, pin_root_path,
        // a 4-byte stub, kconfig, btf_custom_path; a smaller sz is how older callers pass it.
        Pointer opts = Memory.allocateDirect(rt, 56, true);
        opts.putLong(0, 56);
        Pointer name = Memory.allocateDirect(rt, 8, true);
        name.putString(0, "akmon", 8, java.nio.charset.StandardCharsets.US_ASCII);
        opts.putPointer(8, name);
        Pointer btf = null;
        if (btfPath != null) {
            byte[] raw = btfPath.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            btf = Memory.allocateDirect(rt, raw.length + 1, true);
            btf.put(0, raw, 0, raw.length);
            opts.putPointer(48, btf);
        }
        Pointer obj = bpf.bpf_object__open_file(file.toString(), opts);
        // libbpf reads these through opts' addresses only; keep the memory alive across the call.
        Reference.reachabilityFence(opts);
        Reference.reachabilityFence(name);
        Reference.reachabilityFence(btf);
        if (obj == null) {
            throw new ProbeException("cannot open BPF object " + file + ": " + Native.describeErrno(Native.errno())
                    + LibbpfLog.lastLines(), "rebuild the agent (./akmon test builds it) so the object matches this libbpf");
        }
        return new BpfObject(bpf, obj);
    }

    public Runtime runtime() {
        return runtime;
    }

    public LibBpf lib() {
        return bpf;
    }

    public List<String> programNames() {
        return new ArrayList<>(programs.keySet());
    }

    public String sectionOf(String program) {
        return bpf.bpf_program__section_name(program(program));
    }

    public void setAutoload(String program, boolean autoload) {
        check(bpf.bpf_program__set_autoload(program(program), autoload), "set autoload of " + program);
    }

    public void setMaxEntries(String map, int entries) {
        check(bpf.bpf_map__set_max_entries(mapPointer(map), entries), "size map " + map);
    }

    public void setPinPath(String map, String path) {
        check(bpf.bpf_map__set_pin_path(mapPointer(map), path), "pin map " + map);
    }

    /** The map holding .rodata (libbpf names it after the object, e.g. "akmon_bp.rodata"). */
    public String rodataMapName() {
        return maps.keySet().stream().filter(n -> n.endsWith(".rodata")).findFirst()
                .orElseThrow(() -> new IllegalStateException("object has no .rodata"));
    }

    /** Overwrites the first bytes of a global data section before load. */
    public void patchInitialValue(String map, byte[] bytes) {
        Pointer m = mapPointer(map);
        NumberByReference size = new NumberByReference(TypeAlias.size_t);
        Pointer current = bpf.bpf_map__initial_value(m, size);
        long n = size.longValue();
        if (current == null || n < bytes.length) {
            throw new IllegalStateException(map + " holds " + n + " bytes, settings need " + bytes.length);
        }
        byte[] all = new byte[(int) n];
        current.get(0, all, 0, all.length);
        System.arraycopy(bytes, 0, all, 0, bytes.length);
        Pointer mem = Memory.allocateDirect(runtime, all.length);
        mem.put(0, all, 0, all.length);
        check(bpf.bpf_map__set_initial_value(m, mem, all.length), "set initial value of " + map);
    }

    public void load() {
        int rc = bpf.bpf_object__load(obj);
        if (rc != 0) {
            int err = Native.errno();
            throw new ProbeException("the kernel refused the BPF programs: " + Native.describeErrno(rc != -1 ? rc : err)
                    + LibbpfLog.lastLines(),
                    err == 1 || rc == -1 ? "run as root or with CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE"
                            : "check the kernel log above; a kernel older than 5.15 or without BTF is not supported");
        }
    }

    /** Attaches one program; returns false (with errno in the log) if the kernel would not attach it. */
    public boolean attach(String program) {
        Pointer link = bpf.bpf_program__attach(program(program));
        if (link == null) {
            return false;
        }
        links.add(link);
        attached.add(program);
        return true;
    }

    public int programFd(String program) {
        return bpf.bpf_program__fd(program(program));
    }

    /**
     * Runs a loaded raw_tp program once on the given CPU (BPF_PROG_TEST_RUN with
     * BPF_F_TEST_RUN_ON_CPU); returns the syscall's result, 0 on success.
     */
    public int runOnCpu(int progFd, int cpu) {
        // struct bpf_test_run_opts: sz@0 ... flags@68 cpu@72, 80 bytes
        Pointer opts = Memory.allocateDirect(runtime, 80, true);
        opts.putLong(0, 80);
        opts.putInt(68, 1); // BPF_F_TEST_RUN_ON_CPU
        opts.putInt(72, cpu);
        try {
            return bpf.bpf_prog_test_run_opts(progFd, opts);
        } finally {
            // The native call holds only the address: without this, the JIT may let the collector free the
            // memory while libbpf reads it (an agent died of exactly that SIGSEGV in the drain thread).
            Reference.reachabilityFence(opts);
        }
    }

    public List<String> attachedPrograms() {
        return List.copyOf(attached);
    }

    public BpfMap map(String name, boolean required) {
        Pointer m = maps.get(name);
        if (m == null) {
            if (required) {
                throw new IllegalArgumentException("no map " + name + " in object; maps: " + maps.keySet());
            }
            return null;
        }
        return new BpfMap(this, name, bpf.bpf_map__fd(m), bpf.bpf_map__key_size(m), bpf.bpf_map__value_size(m),
                bpf.bpf_map__max_entries(m), bpf.bpf_map__type(m));
    }

    public BpfMap map(String name) {
        return map(name, true);
    }

    private Pointer mapPointer(String name) {
        Pointer m = maps.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no map " + name + " in object; maps: " + maps.keySet());
        }
        return m;
    }

    private Pointer program(String name) {
        Pointer p = programs.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no program " + name + " in object; programs: " + programs.keySet());
        }
        return p;
    }

    private static void check(int rc, String what) {
        if (rc != 0) {
            throw new IllegalStateException("libbpf: cannot " + what + ": " + Native.describeErrno(rc));
        }
    }

    /** Destroys every link: no program of this object runs after this returns. */
    public synchronized void detachAll() {
        for (int i = links.size() - 1; i >= 0; i--) {
            bpf.bpf_link__destroy(links.get(i));
        }
        links.clear();
        attached.clear();
    }

    /** Detaches every program, then frees the object and its maps (pinned maps stay). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        detachAll();
        bpf.bpf_object__close(obj);
    }
}

package io.akmon.agent.decode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Syscall numbers to names, from the kernel UAPI header the build extracted (x86_64). */
public final class SyscallNames {
    private static final String RESOURCE = "/bpf/syscalls_x86_64.tsv";
    private final Map<Integer, String> names = new HashMap<>();

    public SyscallNames() {
        try (InputStream in = SyscallNames.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the agent jar; rebuild with ./akmon test");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line; (line = r.readLine()) != null; ) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    names.put(Integer.parseInt(line.substring(0, tab)), line.substring(tab + 1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The name, or "sys_N" for a number this table does not know (a newer kernel's syscall). */
    public String name(int nr) {
        String n = names.get(nr);
        return n != null ? n : "sys_" + nr;
    }

    /** The number of a name, or -1. */
    public int number(String name) {
        for (Map.Entry<Integer, String> e : names.entrySet()) {
            if (e.getValue().equals(name)) {
                return e.getKey();
            }
        }
        return -1;
    }

    public int size() {
        return names.size();
    }
}

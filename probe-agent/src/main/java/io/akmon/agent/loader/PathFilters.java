package io.akmon.agent.loader;

import io.akmon.agent.decode.Layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The file family's path prefix filters as entries of the kernel's path_filters LPM trie (see
 * bpf-src/file.bpf.c): the longest matching prefix decides, so an exclude inside an include (or the
 * reverse) works as written. Prefixes are whole directories: {@code /proc} matches {@code /proc} and
 * {@code /proc/1/stat}, not {@code /processes}. With any include, everything else is excluded,
 * unresolved relative paths too.
 */
public final class PathFilters {
    private PathFilters() {
    }

    /** Trie entries (key bytes to verdict) for these lists; a bad prefix is a one-line error naming it. */
    public static Map<ByteBuffer, Byte> entries(List<String> include, List<String> exclude) {
        Map<ByteBuffer, Byte> out = new LinkedHashMap<>();
        Map<String, String> seen = new LinkedHashMap<>();
        for (String p : include) {
            add(out, seen, p, "file_include", (byte) Layout.PATH_INCLUDE);
        }
        for (String p : exclude) {
            add(out, seen, p, "file_exclude", (byte) Layout.PATH_EXCLUDE);
        }
        if (!include.isEmpty()) {
            out.putIfAbsent(key(new byte[0]), (byte) Layout.PATH_EXCLUDE); // prefix length 0: what no include covers
        }
        return out;
    }

    private static void add(Map<ByteBuffer, Byte> out, Map<String, String> seen, String prefix, String list, byte verdict) {
        if (prefix == null || !prefix.startsWith("/")) {
            throw new ProbeException("invalid " + list + " prefix '" + prefix + "': not an absolute path",
                    "give directories such as /proc or /home/build/target");
        }
        String dir = prefix.replaceAll("/+$", "") + "/";
        byte[] raw = dir.getBytes(StandardCharsets.UTF_8);
        if (raw.length > Layout.PATH_KEY_LEN) {
            throw new ProbeException("invalid " + list + " prefix '" + prefix + "': longer than "
                    + (Layout.PATH_KEY_LEN - 1) + " bytes", "give a shorter directory");
        }
        String other = seen.put(dir, list);
        if (other != null) {
            throw new ProbeException("prefix '" + prefix + "' is given twice (" + other + " and " + list + ")",
                    "list each directory once");
        }
        out.put(key(raw), verdict);
    }

    /** struct akmon_path_filter_key for these leading bytes. */
    static ByteBuffer key(byte[] prefix) {
        ByteBuffer k = ByteBuffer.allocate(Layout.PathFilterKey.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        k.putInt(Layout.PathFilterKey.PREFIXLEN, prefix.length * 8);
        k.put(Layout.PathFilterKey.DATA, prefix);
        return k;
    }

    /** Writes the entries into the kernel's trie. */
    public static void fill(BpfMap trie, List<String> include, List<String> exclude) {
        for (Map.Entry<ByteBuffer, Byte> e : entries(include, exclude).entrySet()) {
            trie.update(e.getKey().array(), new byte[] {e.getValue()}, BpfMap.BPF_ANY);
        }
    }
}

package io.akmon.agent.loader;

import io.akmon.agent.decode.Layout;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PathFiltersTest {
    private static String prefix(ByteBuffer key) {
        ByteBuffer k = key.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int bits = k.getInt(Layout.PathFilterKey.PREFIXLEN);
        byte[] raw = new byte[bits / 8];
        k.get(Layout.PathFilterKey.DATA, raw);
        return new String(raw, StandardCharsets.UTF_8);
    }

    @Test
    void prefixesAreWholeDirectoriesAndAnIncludeExcludesTheRest() {
        Map<ByteBuffer, Byte> e = PathFilters.entries(List.of("/home/"), List.of("/home/build//", "/proc"));
        assertEquals(4, e.size());
        Map.Entry<ByteBuffer, Byte>[] all = e.entrySet().toArray(new Map.Entry[0]);
        assertEquals("/home/", prefix(all[0].getKey()));
        assertEquals((byte) Layout.PATH_INCLUDE, all[0].getValue());
        assertEquals("/home/build/", prefix(all[1].getKey()));
        assertEquals((byte) Layout.PATH_EXCLUDE, all[1].getValue());
        assertEquals("/proc/", prefix(all[2].getKey()));
        assertEquals("", prefix(all[3].getKey()), "prefix length 0: everything no include covers");
        assertEquals((byte) Layout.PATH_EXCLUDE, all[3].getValue());
        assertEquals(Layout.PathFilterKey.SIZE, all[0].getKey().capacity());
        assertEquals(1, PathFilters.entries(List.of(), List.of("/sys")).size(), "excludes alone leave the rest in");
    }

    @Test
    void badPrefixesAreOneLineErrorsNamingThem() {
        ProbeException rel = assertThrows(ProbeException.class, () -> PathFilters.entries(List.of("build"), List.of()));
        assertTrue(rel.getMessage().contains("'build'") && rel.getMessage().contains("not an absolute path"), rel.getMessage());
        ProbeException twice = assertThrows(ProbeException.class, () -> PathFilters.entries(List.of("/a"), List.of("/a/")));
        assertTrue(twice.getMessage().contains("given twice"), twice.getMessage());
        ProbeException longOne = assertThrows(ProbeException.class,
                () -> PathFilters.entries(List.of(), List.of("/" + "x".repeat(300))));
        assertTrue(longOne.getMessage().contains("longer than 255 bytes"), longOne.getMessage());
    }
}

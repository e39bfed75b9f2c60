package io.akmon.schema;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FramesTest {
    private static List<String> split(String value) {
        return Frames.records(value == null ? null : value.getBytes(StandardCharsets.UTF_8)).stream()
                .map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void aSingleRecordIsItsOwnFrame() {
        assertEquals(List.of("{\"type\":\"fork\"}"), split("{\"type\":\"fork\"}"));
    }

    @Test
    void aFrameSplitsAtNewlinesOnlyAndSkipsEmptyLines() {
        assertEquals(List.of("{\"a\":\"x\\ny\"}", "{\"b\":2}", "{\"c\":3}"), split("{\"a\":\"x\\ny\"}\n{\"b\":2}\n\n{\"c\":3}\n"));
    }

    @Test
    void countAgreesWithTheSplit() {
        for (String v : new String[] {"a", "a\nb", "a\n\nb\n", "\n", "", "\na"}) {
            assertEquals(split(v).size(), Frames.count(v.getBytes(StandardCharsets.UTF_8)), v);
        }
        assertEquals(0, Frames.count(null));
    }

    @Test
    void nothingInNothing() {
        assertEquals(List.of(), split(null));
        assertEquals(List.of(), split(""));
        assertEquals(List.of(), split("\n\n"));
    }

    @Test
    void textAndBytesSplitAlike() {
        for (String v : new String[] {"a", "a\nb", "a\n\nb\n", "\n", "", "\na", "{\"p\":\"\u00e9\"}\n{\"q\":1}"}) {
            assertEquals(split(v), Frames.records(v), v);
        }
        assertEquals(List.of(), Frames.records((String) null));
    }
}

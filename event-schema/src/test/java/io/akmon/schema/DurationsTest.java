package io.akmon.schema;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DurationsTest {
    @Test
    void everySpellingOfAWindowHasOneNormalForm() {
        for (String s : new String[] {"10s", "10000ms", "PT10S", " 10s ", "10S"}) {
            assertEquals(Duration.ofSeconds(10), Durations.parse(s), s);
            assertEquals("10s", Durations.normalize(s), s);
        }
        assertEquals("1m", Durations.normalize("1min"));
        assertEquals("1m", Durations.normalize("60s"));
        assertEquals("1m", Durations.normalize("60000ms"));
        assertEquals("1h", Durations.normalize("60m"));
        assertEquals("1d", Durations.normalize("24h"));
        assertEquals("1500ms", Durations.normalize("1500ms"));
        assertEquals("0s", Durations.normalize("0s"));
        assertEquals(Duration.ZERO, Durations.parse("0"));
    }

    @Test
    void aBadDurationNamesTheValueAndTheGrammar() {
        for (String bad : new String[] {"", "10", "10 s", "ten seconds", "-5s", "1.5s", "10y", "PT-1S", "99999999999999999999s"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "' is not a duration (use a whole number and a unit"), e.getMessage());
        }
    }

    @Test
    void sizes() {
        assertEquals(1 << 20, Sizes.parse("1mb"));
        assertEquals(1 << 20, Sizes.parse("1MiB"));
        assertEquals(65536, Sizes.parse("64kb"));
        assertEquals(65536, Sizes.parse("65536"));
        assertEquals(2L << 30, Sizes.parse("2g"));
        assertEquals("1mb", Sizes.format(Sizes.parse("1024kb")));
        assertEquals("100b", Sizes.format(100));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse("1.5mb"));
        assertEquals("'1.5mb' is not a size (use a whole number of bytes with an optional unit: 65536, 64kb, 1mb, 2gb)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("9999999999999gb"));
    }
}

package io.akmon.flink.sink.es;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RetentionTest {
    private final IndexNames daily = IndexNames.defaults();
    private final IndexNames monthly = new IndexNames("akmon", EsSinkOptions.IndexPeriod.MONTHLY);
    private final Instant now = Instant.parse("2026-11-24T19:00:00Z");

    @Test
    void dailyIndexOfTheDocumentsUtcDay() {
        assertEquals("akmon-metrics-2026.11.24", daily.index("metrics", Instant.parse("2026-11-24T23:59:59.999Z").toEpochMilli()));
        assertEquals("akmon-metrics-2026.11.25", daily.index("metrics", Instant.parse("2026-11-25T00:00:00Z").toEpochMilli()));
        assertEquals("akmon-alerts-2026.11", monthly.index("alerts", now.toEpochMilli()));
        assertEquals("akmon-metrics", daily.alias("metrics"));
        assertEquals("akmon-alerts-*", daily.pattern("alerts"));
    }

    @Test
    void periodEndOnlyForOurDatedNames() {
        assertEquals(Optional.of(Instant.parse("2026-11-25T00:00:00Z")), daily.periodEnd("metrics", "akmon-metrics-2026.11.24"));
        assertEquals(Optional.of(Instant.parse("2026-12-01T00:00:00Z")), monthly.periodEnd("alerts", "akmon-alerts-2026.11"));
        assertEquals(Optional.empty(), daily.periodEnd("metrics", "akmon-metrics-keep"));
        assertEquals(Optional.empty(), daily.periodEnd("metrics", "akmon-metrics-2026.13.01"));
        assertEquals(Optional.empty(), daily.periodEnd("metrics", "other-metrics-2026.11.01"));
    }

    @Test
    void keepsTheLastNDaysAndDeletesOnlyWhollyOlderPeriods() {
        List<String> indices = List.of("akmon-metrics-2026.11.16", "akmon-metrics-2026.11.17", "akmon-metrics-2026.11.18",
                "akmon-alerts-2026.11.01", "akmon-alerts-2026.11.24", "akmon-metrics-keep", "logs-2020.01.01");
        // 7 days back from 2026-11-24T19:00 is 2026-11-17T19:00: the 16th ended before it, the 17th did not.
        assertEquals(List.of("akmon-alerts-2026.11.01", "akmon-metrics-2026.11.16"),
                Retention.expired(indices, daily, 7, now));
        assertEquals(List.of(), Retention.expired(indices, daily, 0, now));
        assertEquals(List.of("akmon-alerts-2026.11.01", "akmon-metrics-2026.11.16", "akmon-metrics-2026.11.17",
                "akmon-metrics-2026.11.18"), Retention.expired(indices, daily, 1, now));
        assertEquals(List.of("akmon-alerts-2026.10"),
                Retention.expired(List.of("akmon-alerts-2026.10", "akmon-alerts-2026.11"), monthly, 20, now));
    }
}

package io.akmon.agent.publish;

import io.akmon.schema.EventType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossLedgerTest {
    private record Report(String source, long lost, String family) {
    }

    private static List<Report> reportAll(LossLedger ledger) {
        List<Report> out = new ArrayList<>();
        assertTrue(ledger.report((s, n, f) -> {
            out.add(new Report(s, n, f));
            return LossLedger.Writer.Outcome.WRITTEN;
        }));
        return out;
    }

    @Test
    void countsByReasonAndFamilyAndReportsEachDeltaOnce() {
        LossLedger ledger = new LossLedger();
        ledger.count(LossLedger.Reason.FULL, EventType.SYSCALL);
        ledger.count(LossLedger.Reason.FULL, EventType.SYSCALL);
        ledger.count(LossLedger.Reason.SHED, EventType.NET);
        ledger.count(LossLedger.Reason.REJECTED, -1); // unknown family: not countable
        ledger.countCorrupt(5);
        assertEquals(2, ledger.dropped(EventType.SYSCALL, "spool_full"));
        assertEquals(1, ledger.total(LossLedger.Reason.SHED));
        assertEquals(0, ledger.total(LossLedger.Reason.REJECTED));
        assertEquals(List.of(new Report("spool_full", 2, "syscall"), new Report("shed", 1, "net"),
                new Report("spool_corrupt", 5, "unknown")), reportAll(ledger));
        assertEquals(List.of(), reportAll(ledger));
        ledger.count(LossLedger.Reason.FULL, EventType.SYSCALL);
        assertEquals(List.of(new Report("spool_full", 1, "syscall")), reportAll(ledger));
        assertEquals(3, ledger.dropped(EventType.SYSCALL, LossLedger.Reason.FULL), "totals keep counting");
    }

    @Test
    void aRefusedReportIsOfferedAgainAndStopEndsTheRound() {
        LossLedger ledger = new LossLedger();
        ledger.count(LossLedger.Reason.IO, EventType.DISK);
        ledger.count(LossLedger.Reason.SHED, EventType.NET);
        assertTrue(ledger.report((s, n, f) -> LossLedger.Writer.Outcome.REFUSED));
        List<String> offered = new ArrayList<>();
        assertFalse(ledger.report((s, n, f) -> {
            offered.add(s);
            return LossLedger.Writer.Outcome.STOP;
        }));
        assertEquals(List.of("spool_io"), offered, "nothing after STOP");
        assertEquals(List.of(new Report("spool_io", 1, "disk"), new Report("shed", 1, "net")), reportAll(ledger));
    }

    @Test
    void unknownSourcesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LossLedger().dropped(EventType.NET, "nope"));
    }
}

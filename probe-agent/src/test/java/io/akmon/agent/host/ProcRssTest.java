package io.akmon.agent.host;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcRssTest {
    private static final byte[] STATUS = ("Name:\tcat\nVmPeak:\t    5600 kB\nVmHWM:\t    1780 kB\nVmRSS:\t    1732 kB\n"
            + "RssAnon:\t      88 kB\n").getBytes(StandardCharsets.US_ASCII);

    @Test
    void readsTheLabelledFigureInBytes() {
        assertEquals(1780L * 1024, ProcRss.kib(STATUS, "\nVmHWM:".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(1732L * 1024, ProcRss.kib(STATUS, "\nVmRSS:".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aMissingLineIsMinusOne() {
        byte[] zombie = "Name:\tx\nState:\tZ (zombie)\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(-1, ProcRss.kib(zombie, "\nVmRSS:".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void thisProcessHasTheRssProcShows() throws Exception {
        long[] mine = ProcRss.read((int) ProcessHandle.current().pid());
        assertTrue(mine != null && mine[0] > 0 && mine[1] >= mine[0]);
        String status = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/status"));
        assertTrue(status.contains("VmRSS:"));
    }

    @Test
    void aProcessThatIsGoneHasNone() {
        assertNull(ProcRss.read(Integer.MAX_VALUE));
        assertEquals(-1, ProcRss.kib(new byte[0], "\nVmRSS:".getBytes(StandardCharsets.US_ASCII)));
    }
}

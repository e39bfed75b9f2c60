package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retransmits counted as the kernel counts them: a transfer in a network namespace of the test's
 * own, where nftables drops every fifth segment on arrival, must report the same number the
 * client's TCP_INFO does, with every byte still counted exactly once.
 */
class RetransmitIT {
    private final String ns = "akmon-rt-" + ProcessHandle.current().pid();

    private static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ": " + out);
    }

    @BeforeEach
    void lossyNamespace() throws Exception {
        sh("ip", "netns", "add", ns);
        sh("ip", "-n", ns, "link", "set", "lo", "up");
        // Every fifth segment is dropped on arrival, after the sender has sent it: the sender has to
        // retransmit. (Dropped on output instead, TCP sees the local error and sends the segment again
        // as a first transmission, so whether any retransmit happened at all was left to chance.)
        sh("ip", "netns", "exec", ns, "nft", "add table inet lossy; "
                + "add chain inet lossy in { type filter hook input priority 0; }; "
                + "add rule inet lossy in meta l4proto tcp tcp flags & (syn|fin) == 0 numgen inc mod 5 == 0 drop");
    }

    @AfterEach
    void removeNamespace() throws Exception {
        sh("ip", "netns", "del", ns);
    }

    @Test
    void retransmitsMatchTheKernelsOwnCount() {
        long bytes = 2_000_000;
        try (Workload w = Workload.startIn(List.of("ip", "netns", "exec", ns), "tcp", Long.toString(bytes))) {
            TracedRun run = TracedRun.attach(w, s -> { });
            try {
                String[] done = w.go().split(" ");
                run.finishAndDrain();
                int clientPort = Integer.parseInt(done[0]);
                long kernelRetrans = Long.parseLong(done[2]);
                List<Event> client = run.events(EventType.NET).stream()
                        .filter(e -> e.pid() == w.pid() && e.getLong(Fields.SPORT) == clientPort).toList();
                long reported = client.stream().filter(e -> e.get(Fields.RETRANSMITS) != null)
                        .mapToLong(e -> e.getLong(Fields.RETRANSMITS)).sum();
                long sent = client.stream().filter(e -> e.get(Fields.BYTES_SENT) != null)
                        .mapToLong(e -> e.getLong(Fields.BYTES_SENT)).sum();
                assertTrue(kernelRetrans > 0, "the lossy namespace must cause retransmits");
                assertEquals(kernelRetrans, reported, "retransmitted segments");
                assertEquals(bytes, sent, "application bytes are counted once, however often TCP resends them");
            } finally {
                run.close();
            }
        }
    }
}

package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Interface figures against the kernel's own counters: a veth pair of its own (one end in a network
 * namespace, IPv6 off so nothing else speaks on it) carries N datagrams of a known size out of this
 * process. The interface records' sums over the run equal what /sys/class/net says moved between
 * before the agent started and after its last drain, counter by counter, and cover the known load.
 */
class InterfaceCountersIT {
    private static final String NS = "akmon-if-it";
    private static final String DEV = "akmonif0";
    private static final String PEER = "akmonif1";
    private static final int N = 500;
    private static final int PAYLOAD = 1000;

    private static void sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + out);
        }
    }

    private static void quiet(String... cmd) {
        try {
            sh(cmd);
        } catch (IOException | InterruptedException e) {
            // not there: nothing to remove
        }
    }

    @BeforeAll
    static void veth() throws Exception {
        cleanUp();
        sh("ip", "netns", "add", NS);
        sh("ip", "link", "add", DEV, "type", "veth", "peer", "name", PEER);
        sh("sysctl", "-qw", "net.ipv6.conf." + DEV + ".disable_ipv6=1");
        sh("ip", "link", "set", PEER, "netns", NS);
        sh("ip", "netns", "exec", NS, "sysctl", "-qw", "net.ipv6.conf." + PEER + ".disable_ipv6=1");
        sh("ip", "addr", "add", "10.231.77.1/30", "dev", DEV);
        sh("ip", "netns", "exec", NS, "ip", "addr", "add", "10.231.77.2/30", "dev", PEER);
        sh("ip", "link", "set", DEV, "up");
        sh("ip", "netns", "exec", NS, "ip", "link", "set", PEER, "up");
        Thread.sleep(500); // let the links settle before the counters are read
    }

    @AfterAll
    static void cleanUp() {
        quiet("ip", "link", "del", DEV);
        quiet("ip", "netns", "del", NS);
    }

    private static long[] counters() throws IOException {
        long[] c = new long[Fields.INTERFACE_COUNTERS.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = Long.parseLong(Files.readString(Path.of("/sys/class/net", DEV, "statistics", Fields.INTERFACE_COUNTERS[i])).trim());
        }
        return c;
    }

    @Test
    void theInterfaceRecordsAddUpToTheKernelsCountersOverAKnownLoad() throws Exception {
        long[] before = counters();
        List<Long> reported = new ArrayList<>();
        long[] after;
        try (Workload w = Workload.start("getppid", "1")) {
            TracedRun run = TracedRun.attach(w, s -> s.families = List.of("process", "net"));
            try {
                try (DatagramSocket s = new DatagramSocket()) {
                    InetAddress peer = InetAddress.getByName("10.231.77.2");
                    for (int i = 0; i < N; i++) {
                        s.send(new DatagramPacket(new byte[PAYLOAD], PAYLOAD, peer, 9));
                    }
                }
                Thread.sleep(200); // the peer's replies (ICMP port unreachable, rate-limited) come back
                w.go();
                run.finishAndDrain();
                after = counters();
                List<Event> ifs = run.events(EventType.NET).stream()
                        .filter(e -> "interface".equals(e.getString(Fields.EVENT)) && DEV.equals(e.getString(Fields.DEVICE)))
                        .toList();
                for (String c : Fields.INTERFACE_COUNTERS) {
                    reported.add(ifs.stream().mapToLong(e -> e.getLong(c)).sum());
                }
                for (Event e : ifs) {
                    assertEquals(0, e.pid(), "host-level: " + e);
                }
            } finally {
                run.close();
            }
        }
        List<Long> kernel = new ArrayList<>();
        for (int i = 0; i < before.length; i++) {
            kernel.add(after[i] - before[i]);
        }
        assertEquals(kernel, reported, "rx/tx bytes, packets, dropped, errors: the agent's sums and the kernel's counters");
        int tx = List.of(Fields.INTERFACE_COUNTERS).indexOf(Fields.TX_PACKETS);
        int txBytes = List.of(Fields.INTERFACE_COUNTERS).indexOf(Fields.TX_BYTES);
        assertTrue(reported.get(tx) >= N, "at least the " + N + " datagrams went out: " + reported);
        assertTrue(reported.get(txBytes) >= (long) N * (PAYLOAD + 8 + 20 + 14), "with their headers: " + reported);
        assertTrue(reported.get(tx) <= N + 5, "and little else (ARP): " + reported);
    }
}

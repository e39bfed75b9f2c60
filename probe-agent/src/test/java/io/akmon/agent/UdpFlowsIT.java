package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongUnaryOperator;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UDP in the net family against a workload of known datagrams (workload.c "udp"): sendto/recvfrom,
 * sendmsg/recvmsg, sendmmsg/recvmmsg, write on a connected socket and recv without a source address,
 * peeks that are not receptions, IPv4 and IPv6 over loopback. Every endpoint pair's datagrams and
 * bytes, both directions, are exact.
 */
class UdpFlowsIT {
    private static final long N = 200;
    /** ::1 as the agent writes IPv6 addresses (InetAddress.getHostAddress). */
    private static final String V6_LO = "0:0:0:0:0:0:0:1";

    /** The workload's datagram sizes (udp_size in workload.c). */
    private static long size(long i) {
        return (i * 37) % 1401;
    }

    private static long bytes(long from, long count, LongUnaryOperator size) {
        return LongStream.range(from, from + count).map(size).sum();
    }

    /** {datagrams sent, bytes sent, datagrams received, bytes received} of one pair over all its records. */
    private static List<Long> figures(List<Event> udp, String laddr, long lport, String raddr, long rport) {
        long[] f = new long[4];
        for (Event e : udp) {
            if (laddr.equals(e.getString(Fields.SADDR)) && e.getLong(Fields.SPORT) == lport
                    && raddr.equals(e.getString(Fields.DADDR)) && e.getLong(Fields.DPORT) == rport) {
                f[0] += e.getLong(Fields.DATAGRAMS_SENT);
                f[1] += e.getLong(Fields.BYTES_SENT);
                f[2] += e.getLong(Fields.DATAGRAMS_RECEIVED);
                f[3] += e.getLong(Fields.BYTES_RECEIVED);
            }
        }
        return List.of(f[0], f[1], f[2], f[3]);
    }

    @Test
    void everyEndpointPairsDatagramsAndBytesAreExactInBothDirections() {
        try (Workload w = Workload.start("udp", Long.toString(N))) {
            TracedRun run = TracedRun.attach(w, s -> s.families = List.of("process", "net"));
            try {
                String[] p = w.go().split(" ");
                run.finishAndDrain();
                long a = Long.parseLong(p[0]);
                long b = Long.parseLong(p[1]);
                long c = Long.parseLong(p[2]);
                long d = Long.parseLong(p[3]);
                long e6 = Long.parseLong(p[4]);
                List<Event> udp = run.events(EventType.NET).stream()
                        .filter(e -> e.pid() == w.pid() && "udp".equals(e.getString(Fields.EVENT))).toList();
                String lo = "127.0.0.1";
                assertTrue(run.agent().warnings().isEmpty(), run.agent().warnings().toString());
                assertTrue(!udp.isEmpty(), "no udp records: " + run.events(EventType.NET));
                long mmsgBytes = bytes(100, 24, UdpFlowsIT::size);

                assertEquals(List.of(N + 24, bytes(0, N, UdpFlowsIT::size) + mmsgBytes, N, bytes(1, N, UdpFlowsIT::size)),
                        figures(udp, lo, b, lo, a), "B to and from A: sendto, sendmmsg, recvmsg " + udp);
                assertEquals(List.of(N, bytes(1, N, UdpFlowsIT::size), N + 24, bytes(0, N, UdpFlowsIT::size) + mmsgBytes),
                        figures(udp, lo, a, lo, b), "A to and from B: sendmsg, recvfrom, recvmmsg");
                assertEquals(List.of(0L, 0L, N, bytes(7, N, UdpFlowsIT::size)),
                        figures(udp, lo, a, "0.0.0.0", 0), "A's recv without a source address; the peeks are not counted");
                assertEquals(List.of(N, bytes(7, N, UdpFlowsIT::size), 0L, 0L),
                        figures(udp, lo, c, lo, a), "C's writes on its connected socket");
                assertEquals(List.of(N, bytes(3, N, UdpFlowsIT::size), 0L, 0L),
                        figures(udp, V6_LO, d, V6_LO, e6), "IPv6 sendto");
                assertEquals(List.of(0L, 0L, N, bytes(3, N, UdpFlowsIT::size)),
                        figures(udp, V6_LO, e6, V6_LO, d), "IPv6 recvfrom");

                Map<String, Long> families = new TreeMap<>();
                for (Event e : udp) {
                    families.merge(e.getString(Fields.CONN), e.getLong(Fields.FAMILY), (x, y) -> {
                        assertEquals(x, y, "one family per flow id");
                        return x;
                    });
                    assertEquals("workload", e.comm());
                    assertTrue(e.getString(Fields.CONN).matches("u[0-9a-f]{16}"), e.toString());
                }
                assertEquals(6, families.size(), "six endpoint pairs, one id each: " + udp);
                assertTrue(run.events(EventType.LOST).isEmpty(), run.events(EventType.LOST).toString());
            } finally {
                run.close();
            }
        }
    }
}

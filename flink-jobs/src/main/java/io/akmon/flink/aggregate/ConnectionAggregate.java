package io.akmon.flink.aggregate;

import io.akmon.flink.fold.ConnectionFigures;

/** One connection in one window; its key is {@code <conn>@<boot id>} since conn ids are unique per boot. */
public class ConnectionAggregate extends Aggregate {
    public static final String KIND = "connection";

    public String conn;
    public int pid;
    public String comm;
    public String saddr;
    public int sport;
    public String daddr;
    public int dport;
    /** "outbound" (connect) or "inbound" (accept), when the open was seen in this window. */
    public String direction;
    public long opened;
    public long closed;
    public long bytesSent;
    public long bytesReceived;
    public double bytesSentPerSec;
    public double bytesReceivedPerSec;
    public long retransmits;
    /** "tcp", or "udp" for a process's (local, remote) UDP endpoint pair (no open, close or retransmits). */
    public String proto;
    public long datagramsSent;
    public long datagramsReceived;

    public ConnectionAggregate() {
    }

    public static ConnectionAggregate of(String resolution, String host, String conn, long start, long end,
                                         ConnectionFigures f) {
        ConnectionAggregate a = new ConnectionAggregate();
        a.identify(KIND, resolution, host, conn, start, end);
        int at = conn.indexOf('@');
        a.conn = at < 0 ? conn : conn.substring(0, at);
        a.pid = f.pid;
        a.comm = f.comm;
        a.saddr = f.saddr;
        a.sport = f.sport;
        a.daddr = f.daddr;
        a.dport = f.dport;
        a.direction = f.direction;
        a.opened = f.opened;
        a.closed = f.closed;
        a.bytesSent = f.bytesSent;
        a.bytesReceived = f.bytesReceived;
        a.bytesSentPerSec = perSecond(f.bytesSent, a.windowSeconds());
        a.bytesReceivedPerSec = perSecond(f.bytesReceived, a.windowSeconds());
        a.retransmits = f.retransmits;
        a.proto = f.proto != null ? f.proto : "tcp";
        a.datagramsSent = f.datagramsSent;
        a.datagramsReceived = f.datagramsReceived;
        return a;
    }
}

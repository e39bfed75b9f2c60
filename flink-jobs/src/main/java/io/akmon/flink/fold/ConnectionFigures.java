package io.akmon.flink.fold;

import io.akmon.flink.ingest.Event;

/** Running sums of one connection in one window (a Flink POJO). */
public class ConnectionFigures {
    public int pid;
    public String comm;
    public String saddr;
    public int sport;
    public String daddr;
    public int dport;
    public String direction;
    public long opened;
    public long closed;
    public long bytesSent;
    public long bytesReceived;
    public long retransmits;
    /** "tcp" or "udp" (an endpoint pair of a process, with datagrams). */
    public String proto;
    public long datagramsSent;
    public long datagramsReceived;

    public void add(Event e) {
        if (e.pid > 0) {
            pid = e.pid;
        }
        if (e.comm != null) {
            comm = e.comm;
        }
        if (e.saddr != null) {
            saddr = e.saddr;
            sport = e.sport;
            daddr = e.daddr;
            dport = e.dport;
        }
        proto = "udp".equals(e.event) ? "udp" : "tcp";
        switch (e.event) {
            case "connect", "accept" -> {
                opened++;
                direction = e.event.equals("connect") ? "outbound" : "inbound";
            }
            case "close" -> closed++;
            default -> { }
        }
        bytesSent += e.bytesSent;
        bytesReceived += e.bytesReceived;
        retransmits += e.retransmits;
        datagramsSent += e.datagramsSent;
        datagramsReceived += e.datagramsReceived;
    }

    /** Adds a partial fold of the same connection whose records arrived after this one's (they win, as in {@link #add}). */
    public ConnectionFigures merge(ConnectionFigures o) {
        if (o.pid > 0) {
            pid = o.pid;
        }
        if (o.comm != null) {
            comm = o.comm;
        }
        if (o.saddr != null) {
            saddr = o.saddr;
            sport = o.sport;
            daddr = o.daddr;
            dport = o.dport;
        }
        if (o.direction != null) {
            direction = o.direction;
        }
        opened += o.opened;
        closed += o.closed;
        bytesSent += o.bytesSent;
        bytesReceived += o.bytesReceived;
        retransmits += o.retransmits;
        if (o.proto != null) {
            proto = o.proto;
        }
        datagramsSent += o.datagramsSent;
        datagramsReceived += o.datagramsReceived;
        return this;
    }
}

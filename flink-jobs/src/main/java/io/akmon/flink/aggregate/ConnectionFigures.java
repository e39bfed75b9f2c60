package io.akmon.flink.aggregate;

import io.akmon.flink.ingest.Event;
import org.apache.flink.api.common.functions.AggregateFunction;

/** Running sums of one connection in one window. */
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
    }

    public ConnectionFigures merge(ConnectionFigures o) {
        if (pid == 0) {
            pid = o.pid;
            comm = o.comm;
        }
        if (saddr == null) {
            saddr = o.saddr;
            sport = o.sport;
            daddr = o.daddr;
            dport = o.dport;
        }
        if (direction == null) {
            direction = o.direction;
        }
        opened += o.opened;
        closed += o.closed;
        bytesSent += o.bytesSent;
        bytesReceived += o.bytesReceived;
        retransmits += o.retransmits;
        return this;
    }

    /** The incremental window function over net events. */
    public static class Aggregator implements AggregateFunction<Event, ConnectionFigures, ConnectionFigures> {
        private static final long serialVersionUID = 1L;

        @Override
        public ConnectionFigures createAccumulator() {
            return new ConnectionFigures();
        }

        @Override
        public ConnectionFigures add(Event value, ConnectionFigures acc) {
            acc.add(value);
            return acc;
        }

        @Override
        public ConnectionFigures getResult(ConnectionFigures acc) {
            return acc;
        }

        @Override
        public ConnectionFigures merge(ConnectionFigures a, ConnectionFigures b) {
            return a.merge(b);
        }
    }
}

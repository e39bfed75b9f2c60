package io.akmon.agent.drain;

import io.akmon.agent.decode.Layout;
import io.akmon.agent.decode.RecordDecoder;
import io.akmon.agent.event.Event;
import io.akmon.agent.loader.BpfMap;
import io.akmon.agent.loader.KernelMap;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * Per-connection byte counts as deltas. The kernel keeps running totals per socket and, on close,
 * deletes the entry before sending the close record with the final totals. Draining and close
 * handling take the same lock, so every byte is reported exactly once: in a stats record, or in
 * the close record as the remainder since the last stats.
 */
public final class ConnectionTracker {
    private final KernelMap conns;
    private final ProcessTable processes;
    private final AgentStream stream;
    private final Map<Long, long[]> reported = new HashMap<>(); // conn id -> sent, received, retransmits

    public ConnectionTracker(KernelMap conns, ProcessTable processes, AgentStream stream) {
        this.conns = conns;
        this.processes = processes;
        this.stream = stream;
    }

    /** Rewrites a close record's totals into what was not yet reported. Reader thread. */
    public synchronized void onClose(Event close) {
        long id = Long.parseUnsignedLong(close.getString(Fields.CONN), 16);
        long[] base = reported.remove(id);
        if (base != null) {
            close.set(Fields.BYTES_SENT, close.getLong(Fields.BYTES_SENT) - base[0]);
            close.set(Fields.BYTES_RECEIVED, close.getLong(Fields.BYTES_RECEIVED) - base[1]);
            close.set(Fields.RETRANSMITS, close.getLong(Fields.RETRANSMITS) - base[2]);
        }
    }

    synchronized void drain(List<LongFunction<Event>> drafts, long ts, long interval) {
        conns.forEach((key, v) -> {
            long id = v.getLong(Layout.Conn.ID);
            int pid = v.getInt(Layout.Conn.PID);
            if (pid == 0) {
                return; // accepted but not yet touched by a process: nothing moved yet
            }
            long sent = v.getLong(Layout.Conn.BYTES_SENT);
            long received = v.getLong(Layout.Conn.BYTES_RECEIVED);
            long retrans = v.getInt(Layout.Conn.RETRANSMITS) & 0xffffffffL;
            long[] base = reported.computeIfAbsent(id, x -> new long[3]);
            long dSent = sent - base[0];
            long dReceived = received - base[1];
            long dRetrans = retrans - base[2];
            if (dSent == 0 && dReceived == 0 && dRetrans == 0) {
                return;
            }
            base[0] = sent;
            base[1] = received;
            base[2] = retrans;
            String comm = RecordDecoder.cString(v, Layout.Conn.COMM, Layout.COMM_LEN);
            RecordDecoder.Endpoints ep = RecordDecoder.endpoints(v, Layout.Conn.FAMILY, Layout.Conn.SADDR, Layout.Conn.DADDR);
            int sport = v.getShort(Layout.Conn.SPORT) & 0xffff;
            int dport = v.getShort(Layout.Conn.DPORT) & 0xffff;
            drafts.add(seq -> stream.event(EventType.NET, seq, ts, pid, comm)
                    .put(Fields.EVENT, "stats")
                    .put(Fields.CONN, Long.toHexString(id))
                    .put(Fields.FAMILY, ep.family())
                    .put(Fields.SADDR, ep.saddr())
                    .put(Fields.SPORT, sport)
                    .put(Fields.DADDR, ep.daddr())
                    .put(Fields.DPORT, dport)
                    .put(Fields.BYTES_SENT, dSent)
                    .put(Fields.BYTES_RECEIVED, dReceived)
                    .put(Fields.RETRANSMITS, dRetrans)
                    .put(Fields.INTERVAL_NS, interval));
        });
    }

    public synchronized int tracked() {
        return reported.size();
    }
}

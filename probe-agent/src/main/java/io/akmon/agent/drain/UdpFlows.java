package io.akmon.agent.drain;

import io.akmon.agent.decode.Layout;
import io.akmon.agent.decode.RecordDecoder;
import io.akmon.agent.event.Event;
import io.akmon.agent.loader.KernelMap;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * UDP datagrams and bytes per process and (local, remote) endpoint pair as interval deltas: one
 * {@code net} record with {@code event: udp} per pair that moved anything since the last drain. The
 * kernel keeps per-CPU running totals in udp_flows (only growing); a process's entries are deleted
 * once its exit has been drained, like the other per-process maps. The flow's {@code conn} id is a
 * hash of its key, so every window's records of one pair carry the same id.
 */
public final class UdpFlows {
    private final KernelMap flows;
    private final ProcessTable processes;
    private final AgentStream stream;
    /** pid -> flow key -> {datagrams sent, bytes sent, datagrams received, bytes received} last reported. */
    private final Map<Integer, Map<ByteBuffer, long[]>> base = new HashMap<>();

    public UdpFlows(KernelMap flows, ProcessTable processes, AgentStream stream) {
        this.flows = flows;
        this.processes = processes;
        this.stream = stream;
    }

    void drain(List<LongFunction<Event>> drafts, long ts, long interval) {
        flows.forEach((key, v) -> entry(key, v, drafts, ts, interval));
    }

    private void entry(byte[] key, ByteBuffer v, List<LongFunction<Event>> drafts, long ts, long interval) {
        ByteBuffer k = ByteBuffer.wrap(key.clone()).order(ByteOrder.LITTLE_ENDIAN);
        int pid = k.getInt(Layout.UdpKey.PID);
        long[] now = {
            flows.sumU64(v, Layout.UdpVal.DATAGRAMS_SENT), flows.sumU64(v, Layout.UdpVal.BYTES_SENT),
            flows.sumU64(v, Layout.UdpVal.DATAGRAMS_RECEIVED), flows.sumU64(v, Layout.UdpVal.BYTES_RECEIVED),
        };
        Map<ByteBuffer, long[]> ofPid = base.computeIfAbsent(pid, x -> new HashMap<>());
        long[] last = ofPid.getOrDefault(k, new long[4]);
        if (Arrays.equals(now, last)) {
            return;
        }
        ofPid.put(k, now);
        long[] d = new long[4];
        for (int i = 0; i < 4; i++) {
            d[i] = now[i] - last[i];
        }
        RecordDecoder.Endpoints ep = RecordDecoder.endpoints(k, Layout.UdpKey.FAMILY, Layout.UdpKey.LADDR, Layout.UdpKey.RADDR);
        int lport = k.getShort(Layout.UdpKey.LPORT) & 0xffff;
        int rport = k.getShort(Layout.UdpKey.RPORT) & 0xffff;
        String conn = flowId(key);
        String comm = processes.comm(pid);
        drafts.add(seq -> stream.event(EventType.NET, seq, ts, pid, comm)
                .put(Fields.EVENT, "udp")
                .put(Fields.CONN, conn)
                .put(Fields.FAMILY, ep.family())
                .put(Fields.SADDR, ep.saddr())
                .put(Fields.SPORT, lport)
                .put(Fields.DADDR, ep.daddr())
                .put(Fields.DPORT, rport)
                .put(Fields.DATAGRAMS_SENT, d[0])
                .put(Fields.BYTES_SENT, d[1])
                .put(Fields.DATAGRAMS_RECEIVED, d[2])
                .put(Fields.BYTES_RECEIVED, d[3])
                .put(Fields.INTERVAL_NS, interval));
    }

    /** "u" and 16 hex digits: FNV-1a of the kernel key (pid and both ends), stable for the pair's life. */
    static String flowId(byte[] key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return String.format("u%016x", h);
    }

    /** Pids with flows reported. */
    Set<Integer> pids() {
        return base.keySet();
    }

    /** Deletes the kernel entries of processes that are gone (their last figures were drained). */
    void forget(Set<Integer> gone) {
        List<byte[]> keys = new ArrayList<>();
        for (int pid : gone) {
            Map<ByteBuffer, long[]> of = base.remove(pid);
            if (of != null) {
                for (ByteBuffer k : of.keySet()) {
                    keys.add(k.array());
                }
            }
        }
        if (!keys.isEmpty()) {
            flows.deleteAll(keys);
        }
    }

    int kernelEntries() {
        int[] n = {0};
        flows.forEach((k, v) -> n[0]++);
        return n[0];
    }

    int tracked() {
        int n = 0;
        for (Map<ByteBuffer, long[]> of : base.values()) {
            n += of.size();
        }
        return n;
    }
}

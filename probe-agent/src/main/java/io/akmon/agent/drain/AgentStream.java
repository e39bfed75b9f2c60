package io.akmon.agent.drain;

import io.akmon.agent.event.Event;
import io.akmon.agent.host.HostIdentity;
import io.akmon.agent.loader.BpfMap;
import io.akmon.agent.loader.KernelMap;
import io.akmon.schema.EventType;
import io.akmon.schema.RecordId;

/**
 * Numbers the records the agent derives itself (cpu = -1). The counter lives in a pinned map, so it
 * continues across agent restarts within a boot; it is written through before records are handed
 * out, so a crash can leave a gap (records lost, and visible) but never a reused number.
 */
public final class AgentStream {
    private static final byte[] KEY = BpfMap.u32Key(0);

    private final KernelMap counter;
    private final HostIdentity identity;
    private long next;

    public AgentStream(KernelMap counter, HostIdentity identity) {
        this.counter = counter;
        this.identity = identity;
        var v = counter.lookup(KEY);
        this.next = v == null ? 0 : v.getLong(0);
    }

    /** Reserves {@code n} sequence numbers; returns the first. */
    public synchronized long reserve(int n) {
        long first = next + 1;
        next += n;
        counter.update(KEY, BpfMap.u64Key(next), BpfMap.BPF_ANY);
        return first;
    }

    public Event event(EventType type, long seq, long tsEpochNs, int pid, String comm) {
        return new Event(type, identity.host(), identity.bootId(), RecordId.AGENT_STREAM, seq, tsEpochNs, pid, comm);
    }

    public HostIdentity identity() {
        return identity;
    }
}

package io.akmon.agent.loader;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's record of which entries changed (common.bpf.h: mark_changed), swapped at each drain
 * so that a drain reads only those. Two sets, one in the {@code changed} map-in-map slot at a time,
 * and a drain epoch the programs compare with an entry's per-CPU epoch to mark it once per drain.
 *
 * <p>Why nothing slips through: {@link #take} (1) points the slot at the other, empty set, (2)
 * advances the epoch, (3) replaces the slot again. Each map-in-map update returns only after an
 * RCU grace period (the kernel waits for every running BPF program), so after (1) no program
 * writes to the old set, and after (3) every program that could still have seen the old epoch has
 * finished. A program that updates an entry later sees the new epoch and the new set, and marks the
 * entry there unless a program that also saw both already did. So every update is either complete
 * before the old set is read, or marked in the new one. A mark that found the set full is counted;
 * then the answer is null (read every entry), this drain and the next.
 */
public final class ChangedSet implements ChangedKeys {
    private static final byte[] SLOT = BpfMap.u32Key(0);
    private static final byte[] EPOCH = BpfMap.u32Key(0);
    private static final byte[] OVERFLOW = BpfMap.u32Key(1);

    private final BpfMap slot;
    private final BpfMap[] sets;
    private final BpfMap epochs;
    private int current;
    private long epoch = 1;
    private long overflowSeen;
    private boolean walkNext = true; // entries from before the first drain are marked too; one walk is cheap insurance

    private ChangedSet(BpfObject object) {
        this.slot = object.map("changed");
        this.sets = new BpfMap[] {object.map("changed_a"), object.map("changed_b")};
        this.epochs = object.map("drain_epoch");
    }

    /** Puts the first set in place and starts epoch 1; before the programs are attached. */
    public static ChangedSet install(BpfObject object) {
        ChangedSet c = new ChangedSet(object);
        c.slot.update(SLOT, BpfMap.u32Key(c.sets[0].fd()), BpfMap.BPF_ANY);
        c.epochs.update(EPOCH, BpfMap.u64Key(c.epoch), BpfMap.BPF_ANY);
        return c;
    }

    @Override
    public synchronized List<byte[]> take() {
        BpfMap old = sets[current];
        BpfMap next = sets[1 - current];
        byte[] nextFd = BpfMap.u32Key(next.fd());
        slot.update(SLOT, nextFd, BpfMap.BPF_ANY);   // (1) waits for programs using the old set
        epoch++;
        epochs.update(EPOCH, BpfMap.u64Key(epoch), BpfMap.BPF_ANY); // (2)
        slot.update(SLOT, nextFd, BpfMap.BPF_ANY);   // (3) waits for programs that saw the old epoch
        current = 1 - current;

        List<byte[]> keys = new ArrayList<>();
        old.forEach((k, v) -> keys.add(k));
        old.deleteAll(keys); // empty again before it takes marks next time

        ByteBuffer o = epochs.lookup(OVERFLOW);
        long overflow = o == null ? 0 : o.getLong(0);
        boolean overflowed = overflow != overflowSeen;
        overflowSeen = overflow;
        boolean walk = walkNext || overflowed;
        walkNext = overflowed; // a failed mark may belong to an update the next drain sees first
        return walk ? null : keys;
    }

    /** The current drain epoch. */
    public synchronized long epoch() {
        return epoch;
    }
}

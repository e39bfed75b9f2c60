package io.akmon.flink.fold;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.aggregate.SessionAggregate;
import io.akmon.flink.emit.ProcessContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeutils.base.IntSerializer;

import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * The process sessions of one host (keyed state, pid -> {@link SessionFold}): every base window's
 * folds join their processes' sessions at the flush that merges them into the windows, so a session
 * is the exact sum of its windows. A session's document ({@link SessionAggregate}) is emitted when the
 * base window with its exit is emitted, at every roll-up while it changes, and once more if it changed
 * before it is dropped: after its exit window's lateness, or when it was idle for the process idle
 * timeout and holds no memory.
 */
final class Sessions {
    static final MapStateDescriptor<Integer, SessionFold> DESCRIPTOR = new MapStateDescriptor<>("sessions",
            IntSerializer.INSTANCE, FoldSerializers.SessionFoldSerializer.INSTANCE);

    private final long baseMillis;
    private final long processIdleMillis;

    Sessions(long baseMillis, long processIdleMillis) {
        this.baseMillis = baseMillis;
        this.processIdleMillis = processIdleMillis;
    }

    /** A host's handle on its sessions while it is the current key. */
    record Host(String host, MapState<Integer, SessionFold> state, IntFunction<ProcessContext> contexts,
                Consumer<Aggregate> emit) {
    }

    /** A base window's folds (window start in ms) join their sessions; a reused pid ends the session before. */
    void add(Host h, long start, Map<Integer, ProcessFold> folds) throws Exception {
        for (Map.Entry<Integer, ProcessFold> e : folds.entrySet()) {
            SessionFold s = h.state.get(e.getKey());
            if (s != null && s.endedBefore(e.getValue())) {
                if (s.changed) {
                    emit(h, e.getKey(), s);
                }
                s = null;
            }
            if (s == null) {
                s = new SessionFold();
            }
            s.add(e.getValue(), start, start + baseMillis);
            h.state.put(e.getKey(), s);
        }
    }

    /** The base window was emitted with this coverage: its processes' sessions take it; those that exited end. */
    void windowEmitted(Host h, long start, Iterable<Integer> pids, double coverage) throws Exception {
        for (Integer pid : pids) {
            SessionFold s = h.state.get(pid);
            if (s == null) {
                continue;
            }
            if (coverage < s.coverage) {
                s.coverage = coverage;
                s.changed = true;
            }
            if (s.changed && s.life.has(ProcessFold.EXIT) && exitMillis(s) < start + baseMillis) {
                emit(h, pid, s);
            }
            h.state.put(pid, s);
        }
    }

    /** A roll-up window was emitted: every session that changed since its last document. */
    void rollUp(Host h) throws Exception {
        for (Map.Entry<Integer, SessionFold> e : h.state.entries()) {
            SessionFold s = e.getValue();
            if (s.changed) {
                emit(h, e.getKey(), s);
                e.setValue(s);
            }
        }
    }

    /**
     * The base window ending at {@code end} is past its lateness (now {@code time}): sessions whose process
     * exited by then, or that were idle for the process idle timeout and hold no memory, go.
     */
    void expire(Host h, long end, long time, IntPredicate holdsMemory) throws Exception {
        for (Iterator<Map.Entry<Integer, SessionFold>> it = h.state.iterator(); it.hasNext(); ) {
            Map.Entry<Integer, SessionFold> e = it.next();
            SessionFold s = e.getValue();
            boolean ended = s.life.has(ProcessFold.EXIT) && exitMillis(s) < end;
            boolean idle = s.lastEnd + processIdleMillis < time && !holdsMemory.test(e.getKey());
            if (ended || idle) {
                if (s.changed) {
                    emit(h, e.getKey(), s);
                }
                it.remove();
            }
        }
    }

    /** The host is dropped: the sessions' last documents, then nothing. */
    void clear(Host h) throws Exception {
        for (Map.Entry<Integer, SessionFold> e : h.state.entries()) {
            if (e.getValue().changed) {
                emit(h, e.getKey(), e.getValue());
            }
        }
        h.state.clear();
    }

    private static long exitMillis(SessionFold s) {
        return Math.floorDiv(s.life.exitTs, 1_000_000L);
    }

    private static void emit(Host h, int pid, SessionFold s) {
        s.changed = false;
        s.emitted = true;
        h.emit.accept(SessionAggregate.of(h.host, pid, s, h.contexts.apply(pid)));
    }
}

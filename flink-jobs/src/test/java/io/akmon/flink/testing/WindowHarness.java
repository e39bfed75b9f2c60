package io.akmon.flink.testing;

import io.akmon.flink.aggregate.Aggregate;
import io.akmon.flink.fold.FoldOperator;
import io.akmon.flink.ingest.Event;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts the job's keyed operator ({@link FoldOperator}: dedup, fold, emit) in a keyed test harness, keyed
 * by host as in the job, with generic types (Kryo) disabled.
 */
public final class WindowHarness {
    /** The operator's window-scoped states, one set per resolution label. */
    private static final List<String> WINDOW_STATES = List.of("totals-", "processes-", "disks-", "connections-");

    private WindowHarness() {
    }

    public static KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> of(
            Duration window, Duration lateness) throws Exception {
        return of(List.of(window), lateness, Duration.ofMinutes(10), Duration.ofHours(1), null);
    }

    /** As {@link #of(Duration, Duration)}, with the idle timeouts and a state backend (null: heap). */
    public static KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> of(
            List<Duration> sizes, Duration lateness, Duration processIdle, Duration streamIdle, StateBackend backend)
            throws Exception {
        return of(sizes, lateness, processIdle, streamIdle, backend, null);
    }

    /** As above, restored from a snapshot of an earlier harness (null: a fresh start). */
    public static KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> of(
            List<Duration> sizes, Duration lateness, Duration processIdle, Duration streamIdle, StateBackend backend,
            OperatorSubtaskState snapshot) throws Exception {
        Duration hold = sizes.get(0).plus(lateness);
        KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h = new KeyedOneInputStreamOperatorTestHarness<>(
                new FoldOperator(sizes, lateness, hold, streamIdle, processIdle), e -> e.host, Types.STRING);
        h.getExecutionConfig().disableGenericTypes();
        if (backend != null) {
            h.setStateBackend(backend);
        }
        if (snapshot != null) {
            h.setup();
            h.initializeState(snapshot);
        }
        h.open();
        return h;
    }

    public static void send(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h, Event... events)
            throws Exception {
        for (Event e : events) {
            h.processElement(e, e.timestampMillis());
        }
    }

    /** The documents of one kind emitted so far, in order. */
    @SuppressWarnings("unchecked")
    public static <A extends Aggregate> List<A> outputs(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h,
                                                        String kind) {
        List<A> out = new ArrayList<>();
        for (Aggregate a : h.extractOutputValues()) {
            if (a.kind.equals(kind)) {
                out.add((A) a);
            }
        }
        return out;
    }

    /** Entries of every state of the operator (window, history and deduplication), on either backend. */
    public static long allStateEntries(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h,
                                       String... labels) {
        AbstractStreamOperator<?> op = (AbstractStreamOperator<?>) h.getOperator();
        long n = windowStateEntries(h, labels);
        List<String> names = new ArrayList<>(List.of("dedup-streams", "sessions"));
        for (String label : labels) {
            names.add("history-" + label);
        }
        for (String name : names) {
            try (var keys = op.getKeyedStateBackend().getKeysAndNamespaces(name)) {
                n += keys.count();
            }
        }
        return n;
    }

    /** Entries (key and window) of the window-scoped states: zero once every window's lateness has passed. */
    public static long windowStateEntries(KeyedOneInputStreamOperatorTestHarness<String, Event, Aggregate> h,
                                          String... labels) {
        AbstractStreamOperator<?> op = (AbstractStreamOperator<?>) h.getOperator();
        long n = 0;
        for (String label : labels) {
            for (String state : WINDOW_STATES) {
                try (var keys = op.getKeyedStateBackend().getKeysAndNamespaces(state + label)) {
                    n += keys.count();
                }
            }
        }
        return n;
    }
}

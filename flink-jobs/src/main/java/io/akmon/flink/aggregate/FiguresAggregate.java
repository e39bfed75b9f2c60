package io.akmon.flink.aggregate;

import io.akmon.flink.ingest.Event;
import org.apache.flink.api.common.functions.AggregateFunction;

/** Folds events into {@link Figures} incrementally, so a window keeps one accumulator per key. */
public class FiguresAggregate implements AggregateFunction<Event, Figures, Figures> {
    private static final long serialVersionUID = 1L;
    private final boolean hostLevel;

    public FiguresAggregate(boolean hostLevel) {
        this.hostLevel = hostLevel;
    }

    @Override
    public Figures createAccumulator() {
        return new Figures(hostLevel);
    }

    @Override
    public Figures add(Event value, Figures acc) {
        acc.add(value);
        return acc;
    }

    @Override
    public Figures getResult(Figures acc) {
        return acc;
    }

    @Override
    public Figures merge(Figures a, Figures b) {
        return a.merge(b);
    }
}

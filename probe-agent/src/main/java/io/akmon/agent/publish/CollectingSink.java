package io.akmon.agent.publish;

import io.akmon.agent.event.Event;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Keeps records in memory; for embedding the agent (tests, the local pipeline's own checks). */
public final class CollectingSink implements EventSink {
    private final List<Event> events = new ArrayList<>();

    @Override
    public synchronized void accept(Event event) {
        events.add(event);
    }

    public synchronized List<Event> snapshot() {
        return new ArrayList<>(events);
    }

    public synchronized List<Event> matching(Predicate<Event> p) {
        return events.stream().filter(p).toList();
    }
}

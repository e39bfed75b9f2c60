package io.akmon.agent.drain;

import io.akmon.agent.event.Event;

import java.util.List;
import java.util.function.LongFunction;

/** Adds records of its own to each drain round; they are numbered with the round's other records. */
public interface DrainSource {
    /**
     * @param drafts   where to add records, as functions of their sequence number
     * @param ts       the round's timestamp, Unix ns
     * @param interval ns since the previous round
     */
    void drain(List<LongFunction<Event>> drafts, long ts, long interval);
}

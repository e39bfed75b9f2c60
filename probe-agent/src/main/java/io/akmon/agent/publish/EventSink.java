package io.akmon.agent.publish;

import io.akmon.agent.event.Event;

/**
 * Where the agent's records go. {@link #accept} is called from the reader and drain threads and must
 * be thread-safe; it must not block the kernel reader for long (a slow destination buffers or
 * spools instead). {@link #flush} is called after every drain interval and at shutdown.
 */
public interface EventSink extends AutoCloseable {
    void accept(Event event);

    default void flush() {
    }

    @Override
    default void close() {
        flush();
    }
}

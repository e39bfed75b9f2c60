package io.akmon.flink.sink;

import io.akmon.flink.ingest.DeadLetter;

import java.io.Serializable;

/**
 * Where a sink sends what its destination refused, for sinks that cannot use a side output (the
 * Elasticsearch writer). Opened once per writer; {@link Writer#flush} makes everything sent so far
 * durable, so a checkpoint never completes ahead of its dead letters.
 */
public interface DeadLetterChannel extends Serializable {
    Writer open();

    interface Writer extends AutoCloseable {
        void send(DeadLetter deadLetter);

        /** Blocks until every dead letter sent is stored; throws if one could not be. */
        void flush();

        @Override
        void close();
    }
}

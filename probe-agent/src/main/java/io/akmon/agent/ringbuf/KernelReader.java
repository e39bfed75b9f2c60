package io.akmon.agent.ringbuf;

/** Drains one kernel-to-user transport on its own thread until closed. */
public interface KernelReader extends AutoCloseable {
    void start();

    /** Records handed to the handler so far. */
    long recordsRead();

    /** Completed poll rounds; each round reads everything the kernel had committed when it began. */
    long pollRounds();

    @Override
    void close();
}

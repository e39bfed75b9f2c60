package io.akmon.agent.ringbuf;

import io.akmon.agent.loader.LibBpf;
import io.akmon.agent.loader.Native;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.logging.AgentLog;
import io.akmon.agent.logging.LogThrottle;
import jnr.ffi.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads the BPF ring buffer through libbpf's ring_buffer manager. The kernel wakes the reader only
 * when it has caught up, so wakeups batch under load; the poll timeout bounds latency when idle.
 */
public final class RingBufferReader implements KernelReader {
    /** Also the longest a record waits when the kernel side batches wakeups (ringbuf_wakeup_bytes). */
    private static final int POLL_MS = 10;
    private static final AgentLog LOG = AgentLog.slf4j("akmon.ringbuf");

    private final LibBpf bpf;
    private final Pointer rb;
    private final RecordHandler handler;
    private final AtomicLong records = new AtomicLong();
    private final LibBpf.RingSampleFn callback; // strong reference for the native side
    private final PollLoop loop;
    private final LogThrottle handlerErrors = new LogThrottle(30, TimeUnit.SECONDS);
    private byte[] scratch = new byte[2048];

    public RingBufferReader(LibBpf bpf, int mapFd, RecordHandler handler) {
        this.bpf = bpf;
        this.handler = handler;
        this.callback = (ctx, data, size) -> {
            try {
                int n = (int) size;
                if (n > scratch.length) {
                    scratch = new byte[Integer.highestOneBit(n) << 1];
                }
                data.get(0, scratch, 0, n);
                // a fresh copy per record: handlers may keep it
                byte[] copy = java.util.Arrays.copyOf(scratch, n);
                records.incrementAndGet();
                handler.onRecord(ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN));
            } catch (Throwable t) {
                // never let an exception cross into libbpf; the handler counts its own failures
                if (handlerErrors.allow()) {
                    LOG.error("record handler failed: " + t);
                }
            }
            return 0;
        };
        this.rb = bpf.ring_buffer__new(mapFd, callback, null, null);
        if (rb == null) {
            throw new ProbeException("cannot open the BPF ring buffer: " + Native.describeErrno(Native.errno()),
                    "raise the locked-memory limit (ulimit -l unlimited) or use --transport perf");
        }
        this.loop = new PollLoop("ringbuf", new PollLoop.Transport() {
            @Override
            public int poll(int timeoutMs) {
                return bpf.ring_buffer__poll(rb, timeoutMs);
            }

            @Override
            public void consume() {
                bpf.ring_buffer__consume(rb); // belt and braces: nothing waits for a wakeup
            }

            @Override
            public void roundEnded() {
                handler.onRoundEnd();
            }
        }, POLL_MS, LOG);
    }

    @Override
    public void start() {
        loop.start();
    }

    @Override
    public long recordsRead() {
        return records.get();
    }

    @Override
    public long pollRounds() {
        return loop.rounds();
    }

    @Override
    public void close() {
        loop.stop();
        bpf.ring_buffer__consume(rb);
        bpf.ring_buffer__free(rb);
    }
}

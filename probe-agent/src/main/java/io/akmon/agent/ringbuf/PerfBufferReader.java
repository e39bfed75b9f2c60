package io.akmon.agent.ringbuf;

import io.akmon.agent.loader.LibBpf;
import io.akmon.agent.loader.Native;
import io.akmon.agent.loader.ProbeException;
import io.akmon.agent.logging.AgentLog;
import io.akmon.agent.logging.LogThrottle;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads per-CPU perf buffers. Opened with perf_buffer__new_raw so the event attribute can set
 * wakeup_events: the kernel then wakes the reader once per batch instead of once per sample (the
 * default costs several microseconds per event). A poll timeout reads partial batches.
 */
public final class PerfBufferReader implements KernelReader {
    private static final int POLL_MS = 50;
    private static final AgentLog LOG = AgentLog.slf4j("akmon.perfbuf");
    private static final int PERF_TYPE_SOFTWARE = 1;
    private static final int PERF_COUNT_SW_BPF_OUTPUT = 10;
    private static final long PERF_SAMPLE_RAW = 1L << 10;
    private static final int PERF_RECORD_LOST = 2;
    private static final int PERF_RECORD_SAMPLE = 9;
    private static final int LIBBPF_PERF_EVENT_CONT = -2;

    private final LibBpf bpf;
    private final Pointer pb;
    private final AtomicLong records = new AtomicLong();
    private final LibBpf.PerfEventFn callback;
    private final PollLoop loop;
    private final LogThrottle handlerErrors = new LogThrottle(30, TimeUnit.SECONDS);

    public PerfBufferReader(LibBpf bpf, int mapFd, int pagesPerCpu, int wakeupEvents, RecordHandler handler) {
        this.bpf = bpf;
        Runtime rt = Runtime.getRuntime(bpf);
        Pointer attr = Memory.allocateDirect(rt, 128, true);
        attr.putInt(0, PERF_TYPE_SOFTWARE);
        attr.putInt(4, 128);                       // size
        attr.putLong(8, PERF_COUNT_SW_BPF_OUTPUT); // config
        attr.putLong(16, 1);                       // sample_period
        attr.putLong(24, PERF_SAMPLE_RAW);         // sample_type
        attr.putInt(48, Math.max(1, wakeupEvents)); // wakeup_events (watermark bit left 0)
        this.callback = (ctx, cpu, hdr) -> {
            try {
                int type = hdr.getInt(0);
                if (type == PERF_RECORD_SAMPLE) {
                    int size = hdr.getInt(8);
                    byte[] data = new byte[size];
                    hdr.get(12, data, 0, size);
                    records.incrementAndGet();
                    handler.onRecord(ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN));
                } else if (type == PERF_RECORD_LOST) {
                    handler.onTransportLoss(cpu, hdr.getLong(16));
                }
            } catch (Throwable t) {
                if (handlerErrors.allow()) {
                    LOG.error("record handler failed: " + t);
                }
            }
            return LIBBPF_PERF_EVENT_CONT;
        };
        this.pb = bpf.perf_buffer__new_raw(mapFd, pagesPerCpu, attr, callback, null, null);
        java.lang.ref.Reference.reachabilityFence(attr); // the native call holds only its address
        if (pb == null) {
            throw new ProbeException("cannot open perf buffers: " + Native.describeErrno(Native.errno()),
                    "raise the locked-memory limit (ulimit -l unlimited) or lower --perf-pages");
        }
        this.loop = new PollLoop("perfbuf", new PollLoop.Transport() {
            @Override
            public int poll(int timeoutMs) {
                return bpf.perf_buffer__poll(pb, timeoutMs);
            }

            @Override
            public void consume() {
                bpf.perf_buffer__consume(pb); // a batch smaller than wakeup_events
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
        bpf.perf_buffer__consume(pb);
        bpf.perf_buffer__free(pb);
    }
}

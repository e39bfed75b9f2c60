package io.akmon.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.agent.decode.RecordDecoder;
import io.akmon.agent.host.HostIdentity;
import io.akmon.agent.publish.KafkaSink;
import io.akmon.agent.publish.KafkaSinkConfig;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The agent's user-space path alone, in its own JVM (the agent's heap settings), for the ceiling
 * suite: synthesized raw ring-buffer records ({@link RawRecords}) at a paced rate through the
 * decoder and the Kafka sink (JSON, spool, producer) into a real broker. The feed runs on a thread
 * named like the ring reader, so it does the reader's work: copy, decode, serialize, spool. Prints
 * one line {@code CEILING {json}} with what it fed, what Kafka acknowledged, the sink's losses, CPU,
 * memory, disk writes and network bytes.
 *
 * <p>Arguments: BOOTSTRAP TOPIC_PREFIX SPOOL_DIR RATE SECONDS (RATE 0: as fast as it goes).
 */
public final class CeilingFeeder {
    static final String HOST = "ceiling-host";
    static final long WARM_UP_RECORDS = 300_000;
    /** System property: the sink's frame_bytes for this run (unset: the default). */
    static final String FRAME_BYTES_PROPERTY = "akmon.bench.frame-bytes";

    public static void main(String[] args) throws Exception {
        if (args[0].equals("encode")) {
            encodeOnly(Long.parseLong(args[1]));
            return;
        }
        String bootstrap = args[0];
        String prefix = args[1];
        Path spool = Path.of(args[2]);
        long rate = Long.parseLong(args[3]);
        double seconds = Double.parseDouble(args[4]);

        KafkaSinkConfig cfg = new KafkaSinkConfig();
        cfg.bootstrap = bootstrap;
        cfg.topicPrefix = prefix;
        cfg.partitions = 3;
        cfg.spoolDir = spool.toString();
        cfg.healthIntervalMs = 1000;
        cfg.frameBytes = Integer.getInteger(FRAME_BYTES_PROPERTY, cfg.frameBytes);
        cfg.shedOrder = new java.util.ArrayList<>(); // a ceiling run must not shed silently into its figure
        String bootId = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
        RecordDecoder decoder = new RecordDecoder(new HostIdentity(HOST, bootId, System.currentTimeMillis() * 1_000_000L));
        RawRecords raw = new RawRecords(Runtime.getRuntime().availableProcessors());
        long pid = ProcessHandle.current().pid();

        Map<String, Object> out = new LinkedHashMap<>();
        try (KafkaSink sink = KafkaSink.open(cfg, HOST, bootId)) {
            // warm up the path (JIT) outside the measured window; these records count in the totals checked in Kafka
            // by count, not time: on a busy machine the JIT needs the same work done, however long it takes
            long warm = 0;
            while (warm < WARM_UP_RECORDS) {
                warm += feed(raw, decoder, sink, 0, 0.5, System.nanoTime(), new long[1]);
                sink.awaitDelivered(Duration.ofSeconds(60));
            }
            Thread.sleep(500);
            out.put("window_start_ms", System.currentTimeMillis());
            long valueBytes0 = sink.stats().bytesProduced();
            long cpu0 = Procs.cpuNs(pid);
            long[] io0 = procIo(pid);
            double net0 = producerMetric("outgoing-byte-total");
            long[] feedRounds = new long[1];
            long t0 = System.nanoTime();
            long fed = feed(raw, decoder, sink, rate, seconds, t0, feedRounds);
            long tFed = System.nanoTime();
            long peakDepth = sink.stats().spoolRecords();
            boolean delivered = sink.awaitDelivered(Duration.ofSeconds(120));
            long tDelivered = System.nanoTime();
            long cpu1 = Procs.cpuNs(pid);
            long[] io1 = procIo(pid);
            double net1 = producerMetric("outgoing-byte-total");
            KafkaSink.Stats s = sink.stats();
            out.put("window_end_ms", System.currentTimeMillis());
            out.put("rate", rate);
            out.put("fed", fed);
            out.put("fed_total", warm + fed);
            out.put("feed_s", (tFed - t0) / 1e9);
            out.put("delivered_s", (tDelivered - t0) / 1e9);
            out.put("all_delivered", delivered);
            out.put("spool_depth_at_feed_end", peakDepth);
            out.put("accepted", s.accepted());
            out.put("produced", s.produced());
            out.put("bytes_produced", s.bytesProduced() - valueBytes0);
            out.put("spool_full_dropped", s.spoolFullDropped());
            out.put("spool_io_dropped", s.spoolIoDropped());
            out.put("shed_dropped", s.shedDropped());
            out.put("rejected", s.rejected());
            out.put("producer_errors", s.producerErrors());
            out.put("cpu_ns", cpu1 - cpu0);
            out.put("disk_write_bytes", io1[1] - io0[1]);
            out.put("write_call_bytes", io1[0] - io0[0]);
            out.put("net_bytes", (long) (net1 - net0));
            out.put("rss_bytes", Procs.statusBytes(pid, "VmRSS"));
            out.put("rss_peak_bytes", Procs.statusBytes(pid, "VmHWM"));
            out.put("seq", raw.sequences());
        }
        System.out.println("CEILING " + new ObjectMapper().writeValueAsString(out));
        System.out.flush();
        System.exit(0);
    }

    /**
     * The reader thread's share alone, without a sink: copy, decode, JSON and spool framing of
     * {@code records} records after as many for warm-up; prints this thread's CPU ns per record
     * (thread CPU time, so time the machine gave to others does not count).
     */
    static void encodeOnly(long records) throws Exception {
        RecordDecoder decoder = new RecordDecoder(new HostIdentity(HOST, "5e0c6a3f-9b1d-4c2e-8f7a-0d3b2a1c9e88", 1_700_000_000_000_000_000L));
        RawRecords raw = new RawRecords(2);
        long sink = 0;
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 2; round++) {
            long cpu0 = mx.getCurrentThreadCpuTime();
            for (long i = 0; i < records; i++) {
                sink += io.akmon.agent.publish.SpoolRecord.encode(decoder.decode(raw.next(i))).length;
            }
            long cpu = mx.getCurrentThreadCpuTime() - cpu0;
            if (round == 1) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("records", records);
                out.put("cpu_ns_per_record", (double) cpu / records);
                out.put("bytes_per_record", (double) sink / (2.0 * records));
                System.out.println("ENCODE " + new ObjectMapper().writeValueAsString(out));
            }
        }
    }

    /** Feeds at {@code rate} records/s (0: unpaced) for {@code seconds}, in 1 ms slices; returns records fed. */
    static long feed(RawRecords raw, RecordDecoder decoder, KafkaSink sink, long rate, double seconds, long t0, long[] rounds)
            throws InterruptedException {
        long[] fed = new long[1];
        Thread t = new Thread(() -> {
            long end = t0 + (long) (seconds * 1e9);
            long sent = 0;
            while (true) {
                long now = System.nanoTime();
                if (now >= end) {
                    break;
                }
                long due = rate == 0 ? sent + 256 : (long) ((now - t0) * (rate / 1e9));
                if (due <= sent) {
                    LockSupport.parkNanos(200_000);
                    continue;
                }
                long boottime = now;
                long batchEnd = Math.min(due, sent + 4096); // look at the clock at least every 4096 records
                for (; sent < batchEnd; sent++) {
                    sink.accept(decoder.decode(raw.next(boottime)));
                }
                rounds[0]++;
            }
            sink.flush();
            fed[0] = sent;
        }, "akmon-ringbuf");
        t.start();
        t.join();
        return fed[0];
    }

    /** /proc/PID/io: bytes passed to write() and bytes sent to the storage layer. */
    static long[] procIo(long pid) {
        long wchar = 0;
        long writeBytes = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "io"))) {
                if (line.startsWith("wchar:")) {
                    wchar = Long.parseLong(line.substring(6).trim());
                } else if (line.startsWith("write_bytes:")) {
                    writeBytes = Long.parseLong(line.substring(12).trim());
                }
            }
        } catch (IOException e) {
            // not available: reported as 0
        }
        return new long[] {wchar, writeBytes};
    }

    /** A Kafka producer metric of the sink's producer (client id akmon-agent-HOST), from JMX. */
    static double producerMetric(String name) {
        try {
            MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
            ObjectName on = new ObjectName("kafka.producer:type=producer-metrics,client-id=akmon-agent-" + HOST);
            if (!mbs.isRegistered(on)) {
                return 0;
            }
            Object v = mbs.getAttribute(on, name);
            return v instanceof Number n ? n.doubleValue() : 0;
        } catch (Exception e) {
            return 0;
        }
    }

    private CeilingFeeder() {
    }
}

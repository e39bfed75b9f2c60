package io.akmon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.akmon.embedded.EmbeddedKafka;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.TopicPartition;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The user-space ceiling: the rate at which the agent's path (decode, JSON, spool, Kafka) stops
 * keeping up. {@link CeilingFeeder} runs in its own JVM with the agent's heap settings and feeds
 * synthesized raw ring-buffer records at increasing rates into a real broker (in this JVM). A rate
 * is kept up with when every record fed is in Kafka or reported lost (nothing unaccounted), none
 * was lost, the feed reached 98% of the rate, and the backlog drained within a second of the feed
 * ending. Records/s per agent core = records delivered / CPU seconds of the feeder JVM (all its
 * threads: reader stand-in, publisher, producer I/O, GC, JIT). The unpaced run is profiled with JFR.
 */
final class CeilingSuite {
    record Run(long rate, long fed, long fedTotal, double feedSeconds, double deliveredSeconds, long inKafka, long lost,
               long unaccounted, double cpuSeconds, long diskWriteBytes, long writeCallBytes, long netBytes,
               long valueBytes, long rssBytes, long rssPeakBytes, long depthAtFeedEnd, long windowStartMs, long windowEndMs) {
        double achievedRate() {
            return fed / feedSeconds;
        }

        double perCore() {
            return cpuSeconds > 0 ? fed / cpuSeconds : 0;
        }

        double drainLagSeconds() {
            return deliveredSeconds - feedSeconds;
        }

        boolean keptUp() {
            return lost == 0 && unaccounted == 0 && drainLagSeconds() <= 1.0 && (rate == 0 || achievedRate() >= 0.98 * rate);
        }
    }

    record Result(List<Run> runs, List<String> profile, String variant, List<Double> encodeNs) {
        /** The highest paced rate kept up with, or null if none was. */
        Run ceiling() {
            Run best = null;
            for (Run r : runs) {
                if (r.rate() > 0 && r.keptUp() && (best == null || r.rate() > best.rate())) {
                    best = r;
                }
            }
            return best;
        }

        Run unpaced() {
            return runs.stream().filter(r -> r.rate() == 0).findFirst().orElse(null);
        }
    }

    static final List<String> FAMILIES = List.of("fork", "exec", "exit");
    private final boolean quick;
    private final Path work;

    CeilingSuite(boolean quick, Path work) {
        this.quick = quick;
        this.work = work;
    }

    /** What runs as the agent: a name and the class path of its code (e.g. a build from before a change, as a baseline). */
    record Variant(String name, String classPath, List<String> jvmOptions) {
        Variant(String name, String classPath) {
            this(name, classPath, List.of());
        }
    }

    Result run(PrintStream progress) throws Exception {
        return run(progress, List.of(new Variant("current", System.getProperty("java.class.path")))).get(0);
    }

    /**
     * One ladder of rates and an unpaced, profiled run per variant; the variants take turns at each
     * rate, so a baseline and the current code see the same machine.
     */
    List<Result> run(PrintStream progress, List<Variant> variants) throws Exception {
        long[] rates = quick ? new long[] {50_000, 100_000, 200_000, 400_000}
                : new long[] {50_000, 100_000, 200_000, 300_000, 400_000, 500_000, 700_000};
        double seconds = quick ? 3 : 8;
        Map<String, List<Run>> runs = new LinkedHashMap<>();
        Map<String, Integer> failures = new HashMap<>();
        List<Result> results = new ArrayList<>();
        Files.createDirectories(work);
        Map<String, List<Double>> encodeNs = new LinkedHashMap<>();
        for (int rep = 0; rep < 3; rep++) {
            for (Variant v : variants) {
                double ns = encodeOnly(v, quick ? 500_000 : 2_000_000);
                encodeNs.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(ns);
                progress.printf(Locale.ROOT, "  encode path (%s): %.0f ns CPU per record (copy, decode, JSON, spool framing)%n", v.name(), ns);
            }
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.defaults().partitions(3))) {
            int round = 0;
            for (long rate : rates) {
                round++;
                for (Variant v : variants) {
                    if (failures.getOrDefault(v.name(), 0) >= 2) {
                        continue; // two rates in a row not kept up with: the ceiling is below
                    }
                    Run r = once(kafka, "ceiling" + results.size() + v.name().hashCode() + "r" + round + ".", rate, seconds, v, null);
                    runs.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(r);
                    print(progress, v.name(), r);
                    failures.merge(v.name(), r.keptUp() ? -failures.getOrDefault(v.name(), 0) : 1, Integer::sum);
                }
            }
            for (Variant v : variants) {
                Path jfr = work.resolve("ceiling-" + v.name().replaceAll("[^a-zA-Z0-9]", "_") + ".jfr");
                Run max = once(kafka, "ceiling" + v.name().hashCode() + "max.", 0, seconds, v, jfr);
                runs.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(max);
                print(progress, v.name(), max);
                List<String> profile = summarize(jfr, max.windowStartMs(), max.windowEndMs());
                profile.forEach(l -> progress.println("    " + l));
                results.add(new Result(runs.get(v.name()), profile, v.name(), encodeNs.getOrDefault(v.name(), List.of())));
            }
        }
        return results;
    }

    private static void print(PrintStream progress, String variant, Run r) {
        progress.printf(Locale.ROOT, "  ceiling (%s) %s: fed %,d at %,.0f/s, in Kafka %,d, lost %,d, unaccounted %,d; drained %.2f s after the feed; "
                        + "%.2f cores, %,.0f records/s per core; RSS %.0f MiB (peak %.0f); spool writes %.1f MB/s, to Kafka %.1f MB/s%s%n",
                variant, r.rate() == 0 ? "unpaced" : String.format(Locale.ROOT, "%,d/s", r.rate()), r.fed(), r.achievedRate(),
                r.inKafka(), r.lost(), r.unaccounted(), r.drainLagSeconds(), r.cpuSeconds() / r.deliveredSeconds(), r.perCore(),
                r.rssBytes() / 1048576.0, r.rssPeakBytes() / 1048576.0, r.diskWriteBytes() / 1e6 / r.deliveredSeconds(),
                r.netBytes() / 1e6 / r.deliveredSeconds(), r.keptUp() ? "" : "  (not kept up)");
    }

    private Run once(EmbeddedKafka kafka, String prefix, long rate, double seconds, Variant variant, Path jfr) throws Exception {
        Path spool = Files.createTempDirectory(work, "spool");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms32m", "-Xmx192m", "-XX:+UseSerialGC"));
        if (jfr != null) {
            cmd.add("-XX:StartFlightRecording=settings=profile,filename=" + jfr);
        }
        cmd.addAll(variant.jvmOptions());
        cmd.addAll(List.of("-cp", variant.classPath(), CeilingFeeder.class.getName(),
                kafka.bootstrapServers(), prefix, spool.toString(), Long.toString(rate), Double.toString(seconds)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        JsonNode n = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("CEILING ")) {
                    n = new ObjectMapper().readTree(line.substring(8));
                }
            }
        }
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        KafkaSuite.deleteTree(spool);
        if (n == null) {
            throw new IllegalStateException("the ceiling feeder at rate " + rate + " ended without a result (exit " + p.exitValue() + ")");
        }
        long inKafka = recordsIn(kafka, prefix);
        long lost = n.get("spool_full_dropped").asLong() + n.get("spool_io_dropped").asLong() + n.get("shed_dropped").asLong()
                + n.get("rejected").asLong();
        long fedTotal = n.get("fed_total").asLong();
        return new Run(rate, n.get("fed").asLong(), fedTotal, n.get("feed_s").asDouble(), n.get("delivered_s").asDouble(), inKafka, lost,
                Math.max(0, fedTotal - inKafka - lost), n.get("cpu_ns").asLong() / 1e9, n.get("disk_write_bytes").asLong(),
                n.get("write_call_bytes").asLong(), n.get("net_bytes").asLong(), n.get("bytes_produced").asLong(),
                n.get("rss_bytes").asLong(), n.get("rss_peak_bytes").asLong(), n.get("spool_depth_at_feed_end").asLong(),
                n.path("window_start_ms").asLong(0), n.path("window_end_ms").asLong(Long.MAX_VALUE));
    }

    /** The reader thread's CPU per record for copy, decode, JSON and framing, in a JVM of its own. */
    private static double encodeOnly(Variant v, long records) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xms32m", "-Xmx192m",
                "-XX:+UseSerialGC", "-cp", v.classPath(), CeilingFeeder.class.getName(), "encode", Long.toString(records));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        double ns = Double.NaN;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("ENCODE ")) {
                    ns = new ObjectMapper().readTree(line.substring(7)).get("cpu_ns_per_record").asDouble();
                }
            }
        }
        p.waitFor(300, TimeUnit.SECONDS);
        return ns;
    }

    /**
     * Records in the family topics, read back: a Kafka record holds one agent record or a frame of
     * several ({@link io.akmon.schema.Frames}). The producer is idempotent and the topics are new.
     */
    static long recordsIn(EmbeddedKafka kafka, String prefix) throws Exception {
        List<TopicPartition> parts = new ArrayList<>();
        try (Admin admin = kafka.admin()) {
            for (String f : FAMILIES) {
                var d = admin.describeTopics(List.of(prefix + f)).allTopicNames().get(30, TimeUnit.SECONDS).get(prefix + f);
                d.partitions().forEach(pi -> parts.add(new TopicPartition(prefix + f, pi.partition())));
            }
        }
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 << 20);
        long sum = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(java.time.Duration.ofMillis(200))) {
                    sum += io.akmon.schema.Frames.count(r.value());
                }
            }
        }
        return sum;
    }

    /** Where the feeder JVM's CPU samples fall: by thread, then the hottest methods (self) and akmon frames (inclusive). */
    static List<String> summarize(Path jfr, long fromMs, long toMs) throws Exception {
        Map<String, Integer> byThread = new HashMap<>();
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                continue;
            }
            long at = e.getStartTime().toEpochMilli();
            if (at < fromMs || at > toMs) {
                continue; // start-up and warm-up are not the steady state
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            total++;
            String thread = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
            byThread.merge(thread == null ? "?" : thread.replaceAll("\\d+", "N"), 1, Integer::sum);
            List<RecordedFrame> frames = st.getFrames();
            self.merge(name(frames.get(0)), 1, Integer::sum);
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (RecordedFrame f : frames) {
                String m = name(f);
                if ((m.startsWith("io.akmon.") || m.startsWith("com.fasterxml.jackson.core.") || m.startsWith("org.apache.kafka.")) && seen.add(m)) {
                    inclusive.merge(m, 1, Integer::sum);
                }
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "JFR execution samples of the unpaced run, measured window only: %,d", total));
        final int all = Math.max(1, total);
        lines.add("by thread: " + top(byThread, 5, all));
        lines.add("hottest methods (self): " + top(self, 10, all));
        lines.add("akmon, Jackson and Kafka frames (inclusive): " + top(inclusive, 14, all));
        return lines;
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    private static String top(Map<String, Integer> counts, int n, int total) {
        List<String> out = new ArrayList<>();
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(n)
                .forEach(e -> out.add(String.format(Locale.ROOT, "%s %.1f%%", e.getKey(), 100.0 * e.getValue() / total)));
        return String.join("; ", out);
    }

    /** The ceiling section of the report, as markdown. */
    static String markdown(List<Result> results) {
        StringBuilder md = new StringBuilder();
        md.append("## User-space ceiling (decode -> JSON -> spool -> Kafka)\n\n");
        md.append("Synthesized raw ring-buffer records (fork, exec, exit per process, byte-exact to akmon.h through the decoder's "
                + "Layout) fed at a paced rate through the decoder and the Kafka sink in a JVM with the agent's heap settings, "
                + "into a real broker. Kept up: nothing lost or unaccounted (records fed = records in Kafka + reported lost), "
                + "98% of the rate reached, backlog drained within 1 s. Per core: records / CPU seconds of the whole agent JVM.\n\n");
        md.append("| variant | rate | fed/s | in Kafka | lost | unaccounted | drain lag s | agent cores | records/s per core | RSS MiB (peak) | spool writes MB/s | to Kafka MB/s | JSON MB/s | kept up |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result res : results) {
            for (Run r : res.runs()) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %,d | %,d | %,d | %.2f | %.2f | %,.0f | %.0f (%.0f) | %.1f | %.1f | %.1f | %s |%n",
                        res.variant(), r.rate() == 0 ? "unpaced" : String.format(Locale.ROOT, "%,d", r.rate()), r.achievedRate(), r.inKafka(),
                        r.lost(), r.unaccounted(), r.drainLagSeconds(), r.cpuSeconds() / r.deliveredSeconds(), r.perCore(),
                        r.rssBytes() / 1048576.0, r.rssPeakBytes() / 1048576.0, r.diskWriteBytes() / 1e6 / r.deliveredSeconds(),
                        r.netBytes() / 1e6 / r.deliveredSeconds(), r.valueBytes() / 1e6 / r.deliveredSeconds(), r.keptUp() ? "yes" : "no"));
            }
        }
        md.append("\nReader thread alone (copy, decode, JSON, spool framing; no sink), thread CPU ns per record, "
                + "the variants taking turns:\n\n| variant | runs | median ns/record |\n|---|---|---|\n");
        for (Result res : results) {
            List<Double> e = new ArrayList<>(res.encodeNs());
            java.util.Collections.sort(e);
            md.append(String.format(Locale.ROOT, "| %s | %s | %s |%n", res.variant(),
                    e.stream().map(d -> String.format(Locale.ROOT, "%.0f", d)).toList(),
                    e.isEmpty() ? "not run" : String.format(Locale.ROOT, "%.0f", e.get(e.size() / 2))));
        }
        for (Result res : results) {
            Run c = res.ceiling();
            Run u = res.unpaced();
            md.append(String.format(Locale.ROOT, "%n**%s**: lossless ceiling %s; unpaced %,.0f records/s per agent core.%n",
                    res.variant(), c == null ? "below the lowest rate tried" : String.format(Locale.ROOT, "%,d records/s (%,.0f per agent core)", c.rate(), c.perCore()),
                    u == null ? 0 : u.perCore()));
            if (!res.profile().isEmpty()) {
                md.append("\n```\n");
                res.profile().forEach(l -> md.append(l).append('\n'));
                md.append("```\n");
            }
        }
        return md.toString();
    }
}

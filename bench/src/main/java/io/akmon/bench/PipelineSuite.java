package io.akmon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * End-to-end latency through the whole local pipeline, started as {@code akmon run --no-ui} starts it
 * (agent, Kafka, both Flink jobs, Elasticsearch): a fork storm per round, and three times per round,
 * each until the first search that finds the document (polled every {@value #POLL_MS} ms):
 * <ul>
 *   <li>alert: the storm's fork-storm alert searchable, from the kernel event that completed the match
 *   (the alert's {@code last_matched}, the kernel's time of the 51st fork, which the agent stamps in wall
 *   clock time);</li>
 *   <li>live: a document of the storm process for the window holding the storm's end searchable (a live
 *   partial, or the final one if it came first), from the moment the storm's last child was reaped;</li>
 *   <li>final: that window's final document ({@code final: true}) searchable, from the window's end plus
 *   the pipeline's {@value #OUT_OF_ORDERNESS_MS} ms out-of-orderness.</li>
 * </ul>
 * Each storm has its own parent pid, so each raises its own alert.
 */
final class PipelineSuite {
    /**
     * Latencies per round in ms; {@code livePartials} rounds found a live partial before the final document;
     * {@code startupMs} from starting {@code akmon run} to its "pipeline up" (every job's tasks running);
     * {@code firstRound} the alert, live and final figures of the round right after start-up (NaN where
     * missed), reported on its own: it also times the first use of every path in every JVM (JIT).
     */
    record Result(String window, double startupMs, double[] firstRound, List<Double> alertMs, List<Double> liveMs,
                  List<Double> finalMs, int livePartials, int rounds, int missed) {
        Stats alert() {
            return Stats.of(alertMs);
        }

        Stats live() {
            return Stats.of(liveMs);
        }

        Stats fin() {
            return Stats.of(finalMs);
        }
    }

    /** What {@code akmon run} gives both jobs as --out-of-orderness. */
    static final long OUT_OF_ORDERNESS_MS = 2000;
    static final long POLL_MS = 50;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ES_URL = Pattern.compile("Elasticsearch at (http://[0-9.]+:\\d+)");

    private final Path cliJar;
    private final Path workload;
    private final int rounds;
    private final String window;

    PipelineSuite(Path cliJar, Path workload, int rounds, String window) {
        this.cliJar = cliJar;
        this.workload = workload;
        this.rounds = rounds;
        this.window = window;
    }

    Result run(PrintStream progress) throws Exception {
        Path data = Files.createTempDirectory("akmon-bench-pipeline");
        String comm = workload.getFileName().toString();
        comm = comm.substring(0, Math.min(15, comm.length()));
        long started = System.nanoTime();
        Process pipeline = new ProcessBuilder("env", "--default-signal=INT",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", cliJar.toAbsolutePath().toString(),
                "run", "--no-ui", "--refresh", "10s", "--window", window, "--comm", comm, "--data-dir", data.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long windowMs = io.akmon.schema.Durations.parse(window).toMillis();
        List<Double> alert = new ArrayList<>();
        List<Double> live = new ArrayList<>();
        List<Double> fin = new ArrayList<>();
        int partials = 0;
        int missed = 0;
        double startupMs = Double.NaN;
        double[] firstRound = {Double.NaN, Double.NaN, Double.NaN};
        try {
            String es = awaitEsUrl(pipeline.getErrorStream());
            startupMs = (System.nanoTime() - started) / 1e6;
            progress.printf("  pipeline up after %.1f s, Elasticsearch at %s%n", startupMs / 1000, es);
            for (int round = 0; round <= rounds; round++) {
                LoadGenerator storm = new LoadGenerator(workload, List.of("forks", "80"));
                long pid = storm.pid();
                storm.go();
                storm.awaitDone();
                long end = System.nanoTime();
                long endWall = System.currentTimeMillis();
                storm.finish();
                long windowStart = Math.floorDiv(endWall, windowMs) * windowMs;
                String windowDocs = "kind:process AND pid:" + pid + " AND resolution:" + window
                        + " AND timestamp:" + windowStart;
                // NaN until found: a final document may come before window end + out-of-orderness (heartbeats
                // move the watermark without that delay), so its figure may be negative
                double alertMs = Double.NaN;
                double liveMs = Double.NaN;
                double finalMs = Double.NaN;
                boolean partial = false;
                long deadline = end + TimeUnit.SECONDS.toNanos(120);
                while (System.nanoTime() < deadline && (Double.isNaN(alertMs) || Double.isNaN(liveMs) || Double.isNaN(finalMs))) {
                    if (Double.isNaN(alertMs)) {
                        JsonNode a = first(es, "akmon-alerts", "rule:\"fork-storm\" AND key_fields.ppid:" + pid);
                        if (a != null) {
                            alertMs = System.currentTimeMillis() - a.path("last_matched").asLong();
                        }
                    }
                    if (Double.isNaN(liveMs)) {
                        JsonNode d = first(es, "akmon-metrics", windowDocs);
                        if (d != null) {
                            liveMs = (System.nanoTime() - end) / 1e6;
                            partial = !d.path("final").asBoolean(true);
                        }
                    }
                    if (Double.isNaN(finalMs) && first(es, "akmon-metrics", windowDocs + " AND final:true") != null) {
                        finalMs = System.currentTimeMillis() - (windowStart + windowMs + OUT_OF_ORDERNESS_MS);
                    }
                    Thread.sleep(POLL_MS);
                }
                if (round == 0) {
                    firstRound = new double[] {alertMs, liveMs, finalMs};
                } else if (Double.isNaN(alertMs) || Double.isNaN(liveMs) || Double.isNaN(finalMs)) {
                    missed++;
                } else {
                    alert.add(alertMs);
                    live.add(liveMs);
                    fin.add(finalMs);
                    partials += partial ? 1 : 0;
                }
                progress.printf("  round %d: alert %.0f ms after the match's last fork, live document %.0f ms after the "
                                + "storm (%s), final document %.0f ms after window end + out-of-orderness%s%n", round,
                        alertMs, liveMs, partial ? "partial" : "final", finalMs, round == 0 ? " (right after start-up, "
                                + "reported on its own)" : "");
            }
        } finally {
            new ProcessBuilder("kill", "-INT", Long.toString(pipeline.pid())).start().waitFor();
            if (!pipeline.waitFor(90, TimeUnit.SECONDS)) {
                pipeline.destroyForcibly();
            }
            deleteRecursively(data);
        }
        if (alert.isEmpty()) {
            throw new IllegalStateException("no round reached Elasticsearch within 120 s (" + missed + " missed)");
        }
        return new Result(window, startupMs, firstRound, alert, live, fin, partials, rounds, missed);
    }

    private static String awaitEsUrl(InputStream stderr) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(stderr, StandardCharsets.UTF_8));
        String line;
        while ((line = err.readLine()) != null) {
            Matcher m = ES_URL.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        while (err.readLine() != null) {
                            // keep the pipe flowing; akmon run logs to its data directory
                        }
                    } catch (IOException ignored) {
                        // the pipeline stopped
                    }
                }, "pipeline-stderr");
                drain.setDaemon(true);
                drain.start();
                return m.group(1);
            }
            if (line.contains("failed to start")) {
                throw new IllegalStateException("akmon run: " + line);
            }
        }
        throw new IllegalStateException("akmon run ended before it was up");
    }

    /** The source of the first hit of a query string search; null if none, or while the alias does not exist. */
    private static JsonNode first(String es, String index, String query) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(es + "/" + index + "/_search?size=1&q="
                    + URLEncoder.encode(query, StandardCharsets.UTF_8)).toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            if (c.getResponseCode() != 200) {
                return null;
            }
            try (InputStream in = c.getInputStream()) {
                JsonNode hits = JSON.readTree(in).path("hits").path("hits");
                return hits.isEmpty() ? null : hits.get(0).path("_source");
            }
        } catch (IOException e) {
            return null;
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

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
 * (agent, Kafka, both Flink jobs, Elasticsearch): a fork storm per round, timed from the moment its
 * last child has been reaped to (a) the storm process's aggregate document in Elasticsearch and (b) its
 * fork-storm alert in Elasticsearch. Each storm has its own parent pid, so each raises its own alert.
 */
final class PipelineSuite {
    record Result(String window, Stats aggregateMs, Stats alertMs, int rounds, int missed) {
    }

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
        Process pipeline = new ProcessBuilder("env", "--default-signal=INT",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", cliJar.toAbsolutePath().toString(),
                "run", "--no-ui", "--refresh", "10s", "--window", window, "--comm", comm, "--data-dir", data.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        List<Double> aggregate = new ArrayList<>();
        List<Double> alert = new ArrayList<>();
        int missed = 0;
        try {
            String es = awaitEsUrl(pipeline.getErrorStream());
            progress.println("  pipeline up, Elasticsearch at " + es);
            for (int round = 0; round < rounds; round++) {
                LoadGenerator storm = new LoadGenerator(workload, List.of("forks", "80"));
                long pid = storm.pid();
                storm.go();
                storm.awaitDone();
                long end = System.nanoTime();
                storm.finish();
                double aggMs = -1;
                double alertMs = -1;
                long deadline = end + TimeUnit.SECONDS.toNanos(120);
                while (System.nanoTime() < deadline && (aggMs < 0 || alertMs < 0)) {
                    if (aggMs < 0 && hits(es, "akmon-metrics", "kind:process AND pid:" + pid) > 0) {
                        aggMs = (System.nanoTime() - end) / 1e6;
                    }
                    if (alertMs < 0 && hits(es, "akmon-alerts", "rule:\"fork-storm\" AND key_fields.ppid:" + pid) > 0) {
                        alertMs = (System.nanoTime() - end) / 1e6;
                    }
                    Thread.sleep(100);
                }
                if (aggMs < 0 || alertMs < 0) {
                    missed++;
                } else {
                    aggregate.add(aggMs);
                    alert.add(alertMs);
                }
                progress.printf("  round %d: aggregate in Elasticsearch %.0f ms, alert %.0f ms%n", round + 1, aggMs, alertMs);
            }
        } finally {
            new ProcessBuilder("kill", "-INT", Long.toString(pipeline.pid())).start().waitFor();
            if (!pipeline.waitFor(90, TimeUnit.SECONDS)) {
                pipeline.destroyForcibly();
            }
            deleteRecursively(data);
        }
        if (aggregate.isEmpty()) {
            throw new IllegalStateException("no round reached Elasticsearch within 120 s (" + missed + " missed)");
        }
        return new Result(window, Stats.of(aggregate), Stats.of(alert), rounds, missed);
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

    /** Hits of a query string search; 0 while the alias does not exist yet. */
    private static long hits(String es, String index, String query) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(es + "/" + index + "/_search?size=0&q="
                    + URLEncoder.encode(query, StandardCharsets.UTF_8)).toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            if (c.getResponseCode() != 200) {
                return 0;
            }
            try (InputStream in = c.getInputStream()) {
                JsonNode r = JSON.readTree(in);
                return r.path("hits").path("total").path("value").asLong();
            }
        } catch (IOException e) {
            return 0;
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

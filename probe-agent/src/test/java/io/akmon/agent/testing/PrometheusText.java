package io.akmon.agent.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Scrapes a Prometheus endpoint and reads its text format: series (name plus labels as written) -> value. */
public final class PrometheusText {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*\\})?) (\\S+)(?: \\d+)?$");

    public record Scrape(String contentType, Map<String, Double> samples, Map<String, String> types, String body) {
        public double value(String series) {
            Double v = samples.get(series);
            if (v == null) {
                throw new AssertionError("no series " + series + " in:\n" + body);
            }
            return v;
        }
    }

    private PrometheusText() {
    }

    public static Scrape scrape(String url) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + url + ": HTTP " + r.statusCode() + "\n" + r.body());
        }
        return parse(r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    public static Scrape parse(String contentType, String body) {
        Map<String, Double> samples = new LinkedHashMap<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] f = line.split(" ");
                types.put(f[2], f[3]);
                continue;
            }
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("not a Prometheus text line: '" + line + "'");
            }
            if (samples.put(m.group(1), Double.parseDouble(m.group(2))) != null) {
                throw new AssertionError("series " + m.group(1) + " twice");
            }
        }
        return new Scrape(contentType, samples, types, body);
    }
}

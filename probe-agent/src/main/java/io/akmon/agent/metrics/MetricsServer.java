package io.akmon.agent.metrics;

import io.akmon.agent.loader.ProbeException;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Serves {@code /metrics} in the Prometheus text format (the official client's HTTP server). */
public final class MetricsServer implements AutoCloseable {
    private final HTTPServer server;
    private final String address;

    private MetricsServer(HTTPServer server, String address) {
        this.server = server;
        this.address = address;
    }

    /**
     * Starts serving on {@code address:port} (port 0: any free port).
     *
     * @throws ProbeException if the address is not this machine's or the port is taken
     */
    public static MetricsServer start(String address, int port, MultiCollector collector) {
        InetAddress bind;
        try {
            bind = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new ProbeException("cannot resolve metrics address '" + address + "'",
                    "give --metrics-address an IP address of this machine, e.g. 127.0.0.1 or 0.0.0.0");
        }
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(collector);
        try {
            HTTPServer s = HTTPServer.builder().inetAddress(bind).port(port).registry(registry).buildAndStart();
            return new MetricsServer(s, bind.getHostAddress());
        } catch (IOException e) {
            throw new ProbeException("cannot serve metrics on " + address + ":" + port + ": " + e.getMessage(),
                    "choose a free --metrics-port, or an address of this machine with --metrics-address", e);
        }
    }

    public int port() {
        return server.getPort();
    }

    /** The scrape URL, e.g. http://127.0.0.1:9464/metrics. */
    public String url() {
        String host = address.contains(":") ? "[" + address + "]" : address;
        return "http://" + host + ":" + port() + "/metrics";
    }

    @Override
    public void close() {
        server.close();
    }
}

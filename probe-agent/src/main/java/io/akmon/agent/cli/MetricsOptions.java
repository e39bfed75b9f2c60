package io.akmon.agent.cli;

import picocli.CommandLine.Option;

/** {@code --metrics-port} and {@code --metrics-address}, as a picocli mixin for every command that runs the agent. */
public final class MetricsOptions {
    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://ADDRESS:PORT/metrics (0: any free port, printed at start). Default: off.")
    Integer port;

    @Option(names = "--metrics-address", paramLabel = "ADDRESS",
            description = "Address the metrics endpoint listens on (0.0.0.0 for every interface). Default: 127.0.0.1.")
    String address;

    /** Port: the flag, else the config file's ({@code -1}: off). */
    public int portOr(int fromConfig) {
        return port != null ? port : fromConfig;
    }

    public String addressOr(String fromConfig) {
        return address != null ? address : fromConfig;
    }
}

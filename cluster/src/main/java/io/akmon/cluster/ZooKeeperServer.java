package io.akmon.cluster;

import io.akmon.embedded.ServerLifecycle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The ZooKeeper of Flink's high availability: one standalone ZooKeeper server as its own process, started
 * from the ZooKeeper that Flink itself ships ({@code flink-shaded-zookeeper-3}, a dependency of
 * {@code flink-runtime}), so it speaks exactly the protocol Flink's client expects. The JobManager keeps its
 * leader, its job graphs and the pointers to its completed checkpoints there; a JobManager started after
 * the first one died reads them and resumes every job from its latest checkpoint.
 *
 * <p>One server is a single point of failure of its own; a production deployment runs three or five
 * ({@code QuorumPeerMain}) on separate machines.
 */
public final class ZooKeeperServer implements AutoCloseable {
    static final String MAIN = "org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.server.ZooKeeperServerMain";
    /** ZooKeeper's tick: sessions last between 2 and 20 ticks, so Flink's 10 s session timeout is allowed. */
    static final int TICK_MS = 1000;

    private final int port;
    private final JvmProcess process;

    private ZooKeeperServer(Path dir) {
        this.port = ServerLifecycle.freePorts(1)[0];
        Path home = dir.toAbsolutePath();
        this.process = new JvmProcess("zookeeper", home,
                List.of("-Xmx128m", "-XX:+UseSerialGC", "-Dzookeeper.admin.enableServer=false",
                        "-Dlog4j2.configurationFile=" + Logging.config(home, "WARN")),
                MAIN, List.of(String.valueOf(port), home.resolve("data").toString(), String.valueOf(TICK_MS)),
                Map.of(), this::serving, Duration.ofSeconds(120));
    }

    /** Starts one ZooKeeper server with its data under {@code dir}; returns once it serves. */
    public static ZooKeeperServer start(Path dir) {
        ZooKeeperServer z = new ZooKeeperServer(dir);
        z.process.start();
        return z;
    }

    /** {@code host:port}, Flink's {@code high-availability.zookeeper.quorum}. */
    public String quorum() {
        return "127.0.0.1:" + port;
    }

    public JvmProcess process() {
        return process;
    }

    /** ZooKeeper's {@code srvr} command (allowed by default) answers with the server's mode. */
    boolean serving() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write("srvr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            return answer.contains("Mode: standalone");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        process.close();
    }
}

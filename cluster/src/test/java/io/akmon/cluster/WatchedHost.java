package io.akmon.cluster;

import io.akmon.agent.testing.BpfPrograms;
import io.akmon.agent.testing.Workload;
import io.akmon.embedded.ServerLifecycle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One watched "host": a cgroup of its own, the real agent ({@code akmon-agent.jar}, its own process) with
 * {@code --host NAME --cgroup DIR} publishing into the cluster, a heartbeat process in the cgroup (so
 * event time keeps moving once the work is done), and workloads with known getppid counts run inside it.
 */
final class WatchedHost implements AutoCloseable {
    private static final Path AGENT_JAR = Path.of(System.getProperty("akmon.agent.jar", "../probe-agent/target/akmon-agent.jar"));

    final String name;
    final Path cgroup;
    private final Path home;
    private final String bootstrap;
    private final String pinDir;
    private JvmProcess agent;
    private final Thread heartbeat;
    private volatile boolean stopping;
    private long calls;
    private final List<Integer> pids = new ArrayList<>();

    /** {@code pinDir} empty: no pinning; else the agent pins its maps there (sequence numbers survive restarts). */
    WatchedHost(String name, Path tmp, String bootstrap, boolean pinned) {
        this.name = name;
        this.home = tmp.resolve(name).toAbsolutePath();
        this.bootstrap = bootstrap;
        this.pinDir = pinned ? "/sys/fs/bpf/akmon-cluster-it-" + ProcessHandle.current().pid() + "-" + name : "";
        try {
            this.cgroup = Cgroups.create("akmon-cluster-it-" + ProcessHandle.current().pid() + "-" + name);
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        heartbeat = new Thread(this::beat, "heartbeat-" + name);
        heartbeat.setDaemon(true);
    }

    /** Starts the agent (again: same spool, same pins) and the heartbeat; returns once its probes are attached. */
    WatchedHost startAgent() {
        JvmProcess[] self = new JvmProcess[1];
        self[0] = new JvmProcess("agent-" + name, home, List.of("-Xms32m", "-Xmx192m", "-XX:+UseSerialGC"),
                "io.akmon.agent.cli.AgentCommand",
                List.of("--sink", "kafka", "--bootstrap", bootstrap, "--host", name, "--cgroup", cgroup.toString(),
                        "--pin-dir", pinDir, "--spool-dir", home.resolve("spool").toString(),
                        "--replication-factor", "3", "--health-interval", "1s", "--interval", "200ms"),
                Map.of(), () -> attached(self[0]), Duration.ofSeconds(90)).classpath(AGENT_JAR.toAbsolutePath().toString());
        agent = self[0].start();
        if (!heartbeat.isAlive() && !stopping) {
            heartbeat.start();
        }
        return this;
    }

    /** The agent says "running N probes" once every probe is attached and its filter set; programs alone come earlier. */
    private static boolean attached(JvmProcess p) {
        try {
            return p.alive() && BpfPrograms.heldBy(p.pid()).size() >= 6
                    && Files.readString(p.logFile()).lines().skip(p.logLinesAtStart()).anyMatch(l -> l.startsWith("akmon agent: running"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    JvmProcess agent() {
        return agent;
    }

    /** SIGKILL of the agent. */
    void killAgent() {
        agent.kill();
    }

    /** Runs one workload of {@code n} getppid calls inside the cgroup; returns when it is done. */
    synchronized void getppid(long n) {
        try (Workload w = Workload.start("getppid", Long.toString(n))) {
            Cgroups.move(cgroup, w.pid());
            w.go();
            w.finish();
            pids.add(w.pid());
        }
        calls += n;
    }

    synchronized List<Integer> pids() {
        return List.copyOf(pids);
    }

    /** getppid calls made inside this host's cgroup so far: the truth its aggregates must show. */
    synchronized long calls() {
        return calls;
    }

    /**
     * Runs {@code bursts} workloads of {@code n} calls, {@code pauseMs} apart, calling {@code midway} after
     * the first half (the fault goes there, while records are flowing).
     */
    void stream(int bursts, long n, long pauseMs, Runnable midway) {
        for (int i = 0; i < bursts; i++) {
            if (i == bursts / 2 && midway != null) {
                midway.run();
            }
            getppid(n);
            ServerLifecycle.sleep(pauseMs);
        }
    }

    /** A short process in the cgroup every 500 ms (fork, exec, exit records): event time moves on after the work. */
    private void beat() {
        while (!stopping) {
            try (Workload w = Workload.start("spawn", "1", "0")) {
                Cgroups.move(cgroup, w.pid());
                w.go();
                w.finish();
            } catch (RuntimeException e) {
                // a beat can fail while the machine is loaded; the next one comes
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        stopping = true;
        try {
            heartbeat.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (agent != null) {
            agent.close();
        }
        Cgroups.remove(cgroup);
        if (!pinDir.isEmpty()) {
            ServerLifecycle.deleteRecursively(Path.of(pinDir));
        }
    }

    @Override
    public String toString() {
        return "host " + name;
    }
}

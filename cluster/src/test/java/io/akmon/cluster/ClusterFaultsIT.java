package io.akmon.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.ServerLifecycle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault matrix against the reference deployment ({@link ReferenceCluster}: 3 Kafka nodes, a Flink
 * JobManager and 2 TaskManagers, 2 Elasticsearch nodes, every one its own process), with the real agent
 * watching workloads of known getppid counts in a cgroup of its own. Each test kills one process with
 * SIGKILL while records flow, proves the kill took effect (new partition leaders, the job's restart count,
 * the node gone from {@code _cat/nodes}), and then requires every total in the aggregates topic and in
 * Elasticsearch to equal the truth. One cluster serves all tests; each restores what it killed and the
 * next one starts by checking the cluster is whole again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ClusterFaultsIT {
    private static final Path JOBS_JAR = Path.of(System.getProperty("akmon.jobs.jar", "../flink-jobs/target/akmon-flink-jobs.jar"));
    private static final long CALLS = 20_000;
    private static final int BURSTS = 6;
    private static final long PAUSE_MS = 600;

    private static Path dir;
    private static ReferenceCluster cluster;
    private static Aggregates aggregates;
    private static String aggregationJob;
    private static String alertJob;
    private static final List<WatchedHost> hosts = new ArrayList<>();
    private static final long started = System.nanoTime();

    @BeforeAll
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory("akmon-cluster-it-");
        long t0 = System.nanoTime();
        cluster = ReferenceCluster.start(dir, JOBS_JAR, Map.of());
        log("cluster up in %d s: Kafka %s, Flink %s, Elasticsearch %s", secondsSince(t0),
                cluster.kafka().bootstrapServers(), cluster.flink().restUrl(), cluster.elasticsearch().urls());
        String[] ids = cluster.submitBoth(1, Aggregates.WINDOW);
        aggregationJob = ids[0];
        alertJob = ids[1];
        log("jobs running after %d s: aggregation %s, alerts %s", secondsSince(t0), aggregationJob, alertJob);
        aggregates = new Aggregates(cluster);
    }

    @AfterAll
    static void stopCluster() {
        hosts.forEach(WatchedHost::close);
        if (cluster != null) {
            cluster.close();
        }
        if (dir != null) {
            ServerLifecycle.deleteRecursively(dir);
        }
        log("suite done in %d s", secondsSince(started));
    }

    @BeforeEach
    void clusterIsWhole(TestInfo test) {
        log("---- %s", test.getDisplayName());
        cluster.kafka().awaitHealthy(Duration.ofSeconds(150));
        cluster.elasticsearch().awaitGreen(Duration.ofSeconds(90));
        assertTrue(ServerLifecycle.await(Duration.ofSeconds(60), () -> cluster.flink().taskManagerIds().size() == 2),
                "2 TaskManagers registered: " + cluster.flink().taskManagerIds());
        cluster.flink().awaitRunning(aggregationJob, Duration.ofSeconds(90));
        cluster.flink().awaitRunning(alertJob, Duration.ofSeconds(90));
    }

    @AfterEach
    void closeHosts() {
        hosts.forEach(WatchedHost::close);
        hosts.clear();
    }

    private static WatchedHost host(String name, boolean pinned) {
        WatchedHost h = new WatchedHost(name, dir.resolve("hosts"), cluster.kafka().bootstrapServers(), pinned);
        hosts.add(h);
        return h.startAgent();
    }

    // ---- 1 -------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void killingTheBrokerThatLeadsTheAgentsPartitionsLosesAndDuplicatesNothing() {
        WatchedHost h = host("broker-kill", false);
        List<String> agentTopics = ReferenceCluster.eventTopics();
        int[] killed = {-1};
        Map<Integer, List<String>> before = new HashMap<>();
        try {
            h.stream(BURSTS, CALLS, PAUSE_MS, () -> {
                before.putAll(cluster.kafka().leaders(agentTopics));
                killed[0] = before.entrySet().stream().filter(e -> e.getKey() > 0)
                        .max(java.util.Comparator.comparingInt(e -> e.getValue().size())).orElseThrow().getKey();
                cluster.kafka().broker(killed[0]).kill();
                log("SIGKILL kafka-%d at %s, after %d getppid calls; it led %d of the agent's partitions: %s",
                        killed[0], Instant.now(), h.calls(), before.get(killed[0]).size(), before.get(killed[0]));
            });
            // the fault happened: its partitions have new leaders, none of them the dead node
            assertTrue(ServerLifecycle.await(Duration.ofSeconds(60), () -> {
                Map<Integer, List<String>> now = cluster.kafka().leaders(agentTopics);
                return !now.containsKey(killed[0]) && !now.containsKey(-1);
            }), "new leaders for " + before.get(killed[0]) + ": " + cluster.kafka().leaders(agentTopics));
            assertFalse(cluster.kafka().broker(killed[0]).alive(), "kafka-" + killed[0] + " is dead");
            log("new leaders elected: %s", cluster.kafka().leaders(agentTopics));

            aggregates.assertExact(h);
        } finally {
            if (killed[0] > 0) {
                cluster.kafka().broker(killed[0]).restart();
            }
        }
    }

    // ---- 2 -------------------------------------------------------------------------------------

    @Test
    @Order(2)
    void killingTheTaskManagerOfTheAggregationJobRecoversOnTheOtherFromTheLastCheckpoint() {
        FlinkCluster flink = cluster.flink();
        List<String> running = flink.taskManagersOf(aggregationJob);
        assertEquals(1, running.size(), "parallelism 1: one TaskManager runs the job: " + running);
        String victim = running.get(0);
        String survivor = victim.equals("tm-1") ? "tm-2" : "tm-1";
        long restartsBefore = flink.restarts(aggregationJob);
        WatchedHost h = host("tm-kill", false);
        try {
            h.stream(BURSTS, CALLS, PAUSE_MS, () -> {
                long checkpoints = flink.completedCheckpoints(aggregationJob);
                flink.awaitCheckpoints(aggregationJob, checkpoints + 1, Duration.ofSeconds(60)); // one with this host's records
                flink.taskManager(victim).kill();
                log("SIGKILL %s (runs the aggregation job) at %s, after %d getppid calls, %d restarts so far",
                        victim, Instant.now(), h.calls(), restartsBefore);
            });
            long restarts = Aggregates.awaitAtLeast("restarts of the aggregation job", restartsBefore + 1, Duration.ofSeconds(90),
                    () -> flink.restarts(aggregationJob));
            flink.awaitRunning(aggregationJob, Duration.ofSeconds(120));
            assertEquals(List.of(survivor), flink.taskManagersOf(aggregationJob), "the job runs on the other TaskManager");
            assertTrue(flink.restoredCheckpoint(aggregationJob) > 0, "restored from a checkpoint");
            log("job restarted %d time(s), now on %s, restored checkpoint %d", restarts - restartsBefore, survivor,
                    flink.restoredCheckpoint(aggregationJob));

            aggregates.assertExact(h);
        } finally {
            if (!flink.taskManager(victim).alive()) {
                flink.taskManager(victim).restart();
            }
        }
    }

    // ---- 6 -------------------------------------------------------------------------------------

    @Test
    @Order(3)
    void stopWithSavepointAtParallelism1AndResumeAt2KeepsTheTotals() {
        FlinkCluster flink = cluster.flink();
        assertEquals(List.of(1), distinct(flink.parallelisms(aggregationJob)), "starts at parallelism 1");
        WatchedHost h = host("rescale", false);
        String[] savepoint = {null};
        String oldJob = aggregationJob;
        h.stream(BURSTS, CALLS, PAUSE_MS, () -> {
            savepoint[0] = flink.stopWithSavepoint(oldJob);
            log("stopped %s with savepoint %s at %s, after %d getppid calls", oldJob, savepoint[0], Instant.now(), h.calls());
            aggregationJob = cluster.submitAggregation(2, Aggregates.WINDOW, savepoint[0], List.of());
            log("resumed as %s at parallelism 2", aggregationJob);
        });
        assertEquals("FINISHED", flink.state(oldJob), "the old job stopped with its savepoint");
        assertEquals(List.of(2), distinct(flink.parallelisms(aggregationJob)), "every vertex at parallelism 2");
        assertEquals(List.of("tm-1", "tm-2"), flink.taskManagersOf(aggregationJob), "on both TaskManagers");
        assertTrue(Files.isDirectory(Path.of(java.net.URI.create(savepoint[0]))), "savepoint on disk: " + savepoint[0]);

        aggregates.assertExact(h);
    }

    private static List<Integer> distinct(List<Integer> l) {
        return l.stream().distinct().sorted().toList();
    }

    // ---- several agents -----------------------------------------------------------------------

    @Test
    @Order(4)
    void threeAgentsWithTheirOwnHostNamesAreExactPerHostAndInTheClusterTotals() throws Exception {
        long windowMs = Duration.ofSeconds(2).toMillis();
        long from = System.currentTimeMillis() / windowMs * windowMs + windowMs; // windows after the previous tests' work
        ServerLifecycle.sleep(from - System.currentTimeMillis() + 50);
        List<WatchedHost> three = List.of(host("node-a", false), host("node-b", false), host("node-c", false));
        List<Thread> threads = new ArrayList<>();
        long[] each = {CALLS, CALLS / 2, CALLS / 4}; // different totals, so a host mixed up with another shows
        for (int i = 0; i < three.size(); i++) {
            WatchedHost h = three.get(i);
            long n = each[i];
            Thread t = new Thread(() -> h.stream(6, n, PAUSE_MS, null), "stream-" + h.name);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(3));
        }
        long all = 0;
        for (WatchedHost h : three) {
            aggregates.assertExact(h);
            all += h.calls();
        }
        // the cluster documents: per window, the sum of the host documents; in all, every host's calls once
        Map<String, JsonNode> docs = aggregates.fromKafka();
        Map<Long, Long> hostsByWindow = new HashMap<>();
        for (WatchedHost h : three) {
            for (JsonNode d : Aggregates.ofHost(docs.values(), h.name, "host")) {
                hostsByWindow.merge(d.path("timestamp").asLong(), Aggregates.getppid(List.of(d)), Long::sum);
            }
        }
        long clusterTotal = 0;
        for (JsonNode c : Aggregates.ofHost(docs.values(), "_all", "cluster")) {
            long ts = c.path("timestamp").asLong();
            if (ts >= from) {
                long n = Aggregates.getppid(List.of(c));
                assertEquals(hostsByWindow.getOrDefault(ts, 0L), n, "cluster window " + ts + " is the sum of its hosts");
                assertEquals(1.0, c.path("coverage").asDouble(), 1e-12, "cluster coverage of window " + ts);
                clusterTotal += n;
            }
        }
        assertEquals(all, clusterTotal, "getppid calls of the three hosts in the cluster documents");
        List<JsonNode> esCluster = aggregates.fromElasticsearch("_all", "cluster");
        long esTotal = esCluster.stream().filter(c -> c.path("timestamp").asLong() >= from).mapToLong(c -> Aggregates.getppid(List.of(c))).sum();
        assertEquals(all, esTotal, "getppid calls of the three hosts in the cluster documents in Elasticsearch");
        log("three hosts %s: %d calls in all, exact per host and in the cluster documents", List.of(each[0], each[1], each[2]), all);
    }

    // ---- 5 -------------------------------------------------------------------------------------

    @Test
    @Order(5)
    void killingAnElasticsearchNodeWhileDocumentsAreWrittenLeavesThemCompleteWithoutDuplicates() {
        ElasticsearchCluster es = cluster.elasticsearch();
        assertEquals(List.of("es-1", "es-2"), es.catNodes());
        WatchedHost h = host("es-kill", false);
        try {
            h.stream(BURSTS, CALLS, PAUSE_MS, () -> {
                es.node(2).kill();
                log("SIGKILL es-2 at %s, after %d getppid calls", Instant.now(), h.calls());
            });
            assertTrue(ServerLifecycle.await(Duration.ofSeconds(60), () -> es.catNodes().equals(List.of("es-1"))),
                    "es-2 gone from _cat/nodes: " + es.catNodes());
            log("_cat/nodes now %s, health %s", es.catNodes(), es.status());

            aggregates.assertExact(h);
        } finally {
            if (!es.node(2).alive()) {
                es.node(2).restart();
            }
        }
        es.awaitGreen(Duration.ofSeconds(120));
    }

    // ---- 4 -------------------------------------------------------------------------------------

    /**
     * The agent's spool (what it accepted) and its pinned sequence counters survive the SIGKILL; the kernel
     * buffer (not pinned) does not, so the records in it at the crash are lost, and they show as numbers
     * missing from the per-CPU streams. The restarted agent replays what the spool holds beyond the last
     * acknowledged record (duplicates the job drops) and numbers on from the pins. Every host window up to a
     * cutoff after the restart must then hold exactly the records the topics hold for it and report exactly
     * the numbers missing from them ({@link Aggregates#assertAsInTheTopics}); the getppid total is exact, as
     * the crash comes between workloads, whose records had been accepted. The cutoff comes once every stream
     * has a record after the restart, so the gap the crash left in each is counted before it; later windows
     * are left out, as the agent is still writing them.
     */
    @Test
    @Order(6)
    void killingTheAgentAndRestartingItWithTheSameSpoolAndPinsDeliversWhatItAcceptedOnce() {
        WatchedHost h = host("agent-kill", true);
        long[] killedPid = {-1};
        long[] killedAt = {-1};
        h.stream(BURSTS, CALLS, PAUSE_MS, () -> {
            ServerLifecycle.sleep(1500); // past a few drain intervals: the calls so far are accepted (in the spool or in Kafka)
            killedPid[0] = h.agent().pid();
            h.killAgent();
            killedAt[0] = System.currentTimeMillis();
            log("SIGKILL agent pid %d at %s, after %d getppid calls", killedPid[0], Instant.now(), h.calls());
            assertFalse(ProcessHandle.of(killedPid[0]).map(ProcessHandle::isAlive).orElse(false), "the agent is dead");
            h.startAgent();
            log("agent restarted as pid %d with the same spool and pins", h.agent().pid());
        });
        assertNotEquals(killedPid[0], h.agent().pid(), "a new agent process");
        assertTrue(h.agent().alive(), "the new agent runs");
        long cutoff = aggregates.cutoffAfterRestart(h.name, killedAt[0]);
        Aggregates.Windows topics = aggregates.assertAsInTheTopics(h, cutoff);
        log("%s, windows up to %s: the topics show %s; the host windows report the same", h.name, Instant.ofEpochMilli(cutoff), topics);
    }

    // ---- 7 -------------------------------------------------------------------------------------

    @Test
    @Order(7)
    void checkpointStorageUnwritableForAWhileThenBackKeepsTheTotalsExact() throws Exception {
        FlinkCluster flink = cluster.flink();
        Path jobDir = flink.checkpointDir().resolve(aggregationJob);
        assertTrue(Files.isDirectory(jobDir), "the job checkpoints into " + jobDir);
        long failedBefore = flink.failedCheckpoints(aggregationJob);
        long restartsBefore = flink.restarts(aggregationJob);
        WatchedHost h = host("ckpt-unwritable", false);
        boolean[] locked = {false};
        try {
            h.stream(BURSTS, CALLS, PAUSE_MS, () -> {
                chattr("+i", jobDir); // immutable: not even root creates a checkpoint directory in it
                locked[0] = true;
                log("checkpoint storage %s made unwritable at %s, after %d getppid calls", jobDir, Instant.now(), h.calls());
                Aggregates.awaitAtLeast("failed checkpoints or restarts while the storage is unwritable", 1, Duration.ofSeconds(60),
                        () -> flink.failedCheckpoints(aggregationJob) - failedBefore + Math.max(0, flink.restarts(aggregationJob) - restartsBefore));
                ServerLifecycle.sleep(4000);
                chattr("-i", jobDir);
                locked[0] = false;
                log("storage writable again at %s: %d checkpoints failed, %d restarts meanwhile", Instant.now(),
                        flink.failedCheckpoints(aggregationJob) - failedBefore, flink.restarts(aggregationJob) - restartsBefore);
            });
        } finally {
            if (locked[0]) {
                chattr("-i", jobDir);
            }
        }
        assertTrue(flink.failedCheckpoints(aggregationJob) > failedBefore || flink.restarts(aggregationJob) > restartsBefore,
                "the fault happened: a checkpoint failed or the job restarted");
        flink.awaitRunning(aggregationJob, Duration.ofSeconds(120));
        long completed = flink.completedCheckpoints(aggregationJob);
        flink.awaitCheckpoints(aggregationJob, completed + 1, Duration.ofSeconds(60));

        aggregates.assertExact(h);
    }

    // ---- 3 -------------------------------------------------------------------------------------

    /**
     * The JobManager runs with ZooKeeper high availability ({@link ReferenceCluster#highAvailability}): the
     * job graphs and the pointers to their completed checkpoints are in ZooKeeper, so the JobManager started
     * after the kill (what systemd or Kubernetes does) takes over both jobs under their own ids and resumes
     * them from their latest checkpoints, with nobody resubmitting anything.
     */
    @Test
    @Order(8)
    void killingTheJobManagerRecoversBothJobsFromZooKeeperAndTheirLatestCheckpoints() {
        FlinkCluster flink = cluster.flink();
        WatchedHost h = host("jm-kill", false);
        long[] jmPid = {-1};
        long[] checkpointAtKill = {-1};
        h.stream(BURSTS, CALLS, PAUSE_MS, () -> {
            flink.awaitCheckpoints(aggregationJob, flink.completedCheckpoints(aggregationJob) + 1, Duration.ofSeconds(60));
            checkpointAtKill[0] = flink.latestCompletedCheckpoint(aggregationJob);
            jmPid[0] = flink.jobManager().pid();
            flink.jobManager().kill();
            log("SIGKILL jobmanager pid %d at %s, after %d getppid calls; latest completed checkpoint of the aggregation job %d",
                    jmPid[0], Instant.now(), h.calls(), checkpointAtKill[0]);
            assertFalse(Http.answers(flink.restUrl() + "/overview"), "the REST API is gone with the JobManager");
            flink.jobManager().restart(); // what systemd or Kubernetes does; it answers once it leads
            log("new jobmanager pid %d leads at %s", flink.jobManager().pid(), Instant.now());
        });
        assertNotEquals(jmPid[0], flink.jobManager().pid(), "a new JobManager process");
        // the fault happened and was recovered from: the new JobManager runs the same jobs, restored from a checkpoint
        flink.awaitRunning(aggregationJob, Duration.ofSeconds(180));
        flink.awaitRunning(alertJob, Duration.ofSeconds(180));
        long restored = flink.restoredCheckpoint(aggregationJob);
        assertTrue(restored >= checkpointAtKill[0], "the aggregation job restored checkpoint " + restored
                + ", at least the one completed before the kill (" + checkpointAtKill[0] + ")");
        assertTrue(flink.restoredCheckpoint(alertJob) > 0, "the alert job restored a checkpoint too");
        assertEquals(2, flink.taskManagerIds().size(), "both TaskManagers registered with the new JobManager");
        log("jobs %s and %s recovered by the new JobManager; aggregation job restored checkpoint %d", aggregationJob, alertJob, restored);

        aggregates.assertExact(h);
    }

    private static void chattr(String flag, Path dir) {
        try {
            Process p = new ProcessBuilder("chattr", flag, dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "chattr " + flag + " " + dir + ": " + out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------

    static void log(String format, Object... args) {
        System.err.printf("[cluster-it %3d s] %s%n", secondsSince(started), String.format(format, args));
    }

    private static long secondsSince(long nanos) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - nanos);
    }
}

package io.akmon.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.akmon.embedded.ServerLifecycle;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flink of the reference deployment: a standalone session cluster of one JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and TaskManagers ({@code TaskManagerRunner}), each its own
 * process, all reading one {@code conf/config.yaml}; jobs are submitted and stopped with Flink's own
 * command-line front end ({@code CliFrontend}, i.e. {@code flink run} / {@code flink stop}).
 *
 * <p>The TaskManager's memory flags are what Flink's start scripts compute from the file
 * ({@code BashJavaUtils GET_TM_RESOURCE_PARAMS}); here the same Flink functions compute them in this JVM.
 */
public final class FlinkCluster implements AutoCloseable {
    /** What Flink's own scripts pass on Java 17. */
    public static final List<String> JAVA17_OPENS = List.of(
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED");
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final Pattern SAVEPOINT = Pattern.compile("Savepoint completed\\. Path: (\\S+)");

    private final Path dir;
    private final Path conf;
    private final int restPort;
    private final int rpcPort;
    private final Map<String, String> extraSettings;
    private JvmProcess jobManager;
    private final Map<String, JvmProcess> taskManagers = new LinkedHashMap<>();

    private FlinkCluster(Path dir, Map<String, String> extraSettings) {
        this.dir = dir.toAbsolutePath();
        this.conf = this.dir.resolve("conf");
        int[] ports = ServerLifecycle.freePorts(2);
        this.restPort = ports[0];
        this.rpcPort = ports[1];
        this.extraSettings = new LinkedHashMap<>(extraSettings);
    }

    /**
     * Writes {@code conf/config.yaml} under {@code dir}, starts the JobManager and {@code taskManagers}
     * TaskManagers ({@code tm-1}, {@code tm-2}, ...); {@code extraSettings} go into the file last (e.g. HA).
     */
    public static FlinkCluster start(Path dir, int taskManagers, Map<String, String> extraSettings) {
        FlinkCluster f = new FlinkCluster(dir, extraSettings);
        try {
            f.writeConfig();
            f.startJobManager();
            for (int i = 1; i <= taskManagers; i++) {
                f.startTaskManager("tm-" + i);
            }
            return f;
        } catch (RuntimeException | Error e) {
            f.close();
            throw e;
        }
    }

    /** The settings of {@code conf/config.yaml}, in order. */
    public Map<String, String> settings() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", "127.0.0.1");
        c.put("jobmanager.rpc.port", String.valueOf(rpcPort));
        c.put("jobmanager.bind-host", "127.0.0.1");
        c.put("rest.address", "127.0.0.1");
        c.put("rest.bind-address", "127.0.0.1");
        c.put("rest.port", String.valueOf(restPort));
        c.put("taskmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.host", "127.0.0.1");
        // small processes: this machine runs the whole deployment
        // the JobManager holds both jobs' graphs (the alert job has an operator per rule), checkpoint
        // statistics and the REST metrics: at 640m (about 190 MB of heap) it ran out of heap under the fault tests
        c.put("jobmanager.memory.process.size", "1200m");
        c.put("taskmanager.memory.process.size", "1024m");
        c.put("taskmanager.numberOfTaskSlots", "2");
        c.put("taskmanager.cpu.cores", "1");
        // Flink extracts its RPC system there; a directory of the deployment's own, not a shared /tmp
        c.put("io.tmp.dirs", dir.resolve("tmp").toString());
        c.put("parallelism.default", "1");
        // one job's slots on different TaskManagers where possible, so one loss costs one job at most
        c.put("cluster.evenly-spread-out-slots", "true");
        // state in RocksDB, checkpoints and savepoints in a directory every process can reach
        c.put("state.backend.type", "rocksdb");
        c.put("state.checkpoints.dir", checkpointDir().toUri().toString());
        c.put("state.savepoints.dir", savepointDir().toUri().toString());
        c.put("state.checkpoints.num-retained", "3");
        // a cancelled or lost job's last checkpoint stays, so it can be resumed with flink run -s
        c.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        c.put("restart-strategy.type", "fixed-delay");
        c.put("restart-strategy.fixed-delay.attempts", "1000");
        c.put("restart-strategy.fixed-delay.delay", "2 s");
        // a killed TaskManager is noticed in seconds, not the default 50 s
        c.put("heartbeat.interval", "2000");
        c.put("heartbeat.timeout", "10000");
        c.put("metrics.fetcher.update-interval", "1000");
        c.putAll(extraSettings);
        return c;
    }

    private void writeConfig() {
        StringBuilder yaml = new StringBuilder("# akmon reference deployment: Flink session cluster\n");
        settings().forEach((k, v) -> yaml.append(k).append(": ").append(quote(v)).append('\n'));
        try {
            Files.createDirectories(conf);
            Files.createDirectories(dir.resolve("tmp"));
            Files.createDirectories(checkpointDir());
            Files.createDirectories(savepointDir());
            Files.writeString(conf.resolve("config.yaml"), yaml.toString());
            Files.copy(Path.of(Logging.config(dir, "INFO")), conf.resolve("log4j.properties"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(Path.of(Logging.config(dir, "WARN")), conf.resolve("log4j-cli.properties"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the Flink configuration in " + conf, e);
        }
    }

    private static String quote(String v) {
        return v.matches("[A-Za-z0-9_./:@-]+( s)?") && !v.contains(": ") ? v : "'" + v.replace("'", "''") + "'";
    }

    public Path confDir() {
        return conf;
    }

    public Path checkpointDir() {
        return dir.resolve("checkpoints");
    }

    public Path savepointDir() {
        return dir.resolve("savepoints");
    }

    public String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    /** {@code host:port} of the REST endpoint, for {@code flink run -m}. */
    public String address() {
        return "127.0.0.1:" + restPort;
    }

    private Configuration loaded() {
        return GlobalConfiguration.loadConfiguration(conf.toString());
    }

    private void startJobManager() {
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfigWithNewOptionToInterpretLegacyHeap(
                loaded(), JobManagerOptions.JVM_HEAP_MEMORY);
        List<String> flags = new ArrayList<>(split(JobManagerProcessUtils.generateJvmParametersStr(spec, loaded())));
        flags.addAll(commonFlags());
        jobManager = new JvmProcess("jobmanager", dir.resolve("jobmanager"), flags,
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                List.of("--configDir", conf.toString()), Map.of(), () -> Http.answers(restUrl() + "/overview"), Duration.ofSeconds(240));
        jobManager.start();
    }

    /** Starts a TaskManager with resource id {@code id} and waits until it has registered. */
    public JvmProcess startTaskManager(String id) {
        Configuration c = loaded();
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(
                TaskExecutorProcessUtils.getConfigurationMapLegacyTaskManagerHeapSizeToConfigOption(c, TaskManagerOptions.TOTAL_PROCESS_MEMORY));
        List<String> flags = new ArrayList<>(split(ProcessMemoryUtils.generateJvmParametersStr(spec)));
        flags.addAll(commonFlags());
        Path home = dir.resolve(id);
        List<String> args = new ArrayList<>(List.of("--configDir", conf.toString()));
        args.addAll(split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
        args.addAll(List.of("-D", "taskmanager.resource-id=" + id, "-D", "io.tmp.dirs=" + home.resolve("tmp")));
        try {
            Files.createDirectories(home.resolve("tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JvmProcess tm = new JvmProcess(id, home, flags, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", args, Map.of(),
                () -> taskManagerIds().contains(id), Duration.ofSeconds(240));
        taskManagers.put(id, tm);
        tm.start();
        return tm;
    }

    private List<String> commonFlags() {
        List<String> f = new ArrayList<>(JAVA17_OPENS);
        f.add("-XX:+UseSerialGC");
        f.add("-Dlog4j2.configurationFile=" + conf.resolve("log4j.properties"));
        f.add("-Dlog.file=" + dir.resolve("flink.log"));
        return f;
    }

    private static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        for (String part : s.trim().split("\\s+")) {
            if (!part.isEmpty()) {
                out.add(part);
            }
        }
        return out;
    }

    public JvmProcess jobManager() {
        return jobManager;
    }

    public JvmProcess taskManager(String id) {
        JvmProcess tm = taskManagers.get(id);
        if (tm == null) {
            throw new IllegalArgumentException("no TaskManager " + id + "; there are " + taskManagers.keySet());
        }
        return tm;
    }

    /** Resource ids of the TaskManagers registered with the JobManager now. */
    public List<String> taskManagerIds() {
        List<String> ids = new ArrayList<>();
        try {
            Http.get(restUrl() + "/taskmanagers").path("taskmanagers").forEach(t -> ids.add(t.path("id").asText()));
        } catch (RuntimeException e) {
            return List.of();
        }
        return ids;
    }

    // ---- jobs, through Flink's command-line front end --------------------------------------

    /** The output and exit status of {@code flink ARGS}. */
    public record CliResult(int exit, String output) {
    }

    /** Runs {@code flink ARGS} (CliFrontend) against this cluster, as a user would. */
    public CliResult flink(List<String> args, Duration timeout) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JAVA17_OPENS);
        cmd.addAll(List.of("-Xmx384m", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + dir.resolve("tmp"), "-Dlog4j2.configurationFile=" + conf.resolve("log4j-cli.properties"),
                "-cp", Classpath.runtime(), "org.apache.flink.client.cli.CliFrontend"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("FLINK_CONF_DIR", conf.toString());
        try {
            Path out = Files.createTempFile(dir, "flink-cli-", ".out");
            pb.redirectOutput(out.toFile());
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("flink " + args.get(0) + " did not finish in " + timeout.toSeconds() + " s:\n"
                        + JvmProcess.tail(out, 40));
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            return new CliResult(p.exitValue(), text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run flink " + args, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * {@code flink run -d [-s savepoint] -c mainClass jar jobArgs}; returns the job id. {@code fromSavepoint}
     * may be null.
     */
    public String run(Path jar, String mainClass, String fromSavepoint, List<String> jobArgs) {
        List<String> args = new ArrayList<>(List.of("run", "-d", "-m", address()));
        if (fromSavepoint != null) {
            args.addAll(List.of("-s", fromSavepoint));
        }
        args.addAll(List.of("-c", mainClass, jar.toAbsolutePath().toString()));
        args.addAll(jobArgs);
        CliResult r = flink(args, Duration.ofSeconds(300));
        Matcher m = JOB_ID.matcher(r.output());
        if (r.exit() != 0 || !m.find()) {
            throw new IllegalStateException("flink run " + mainClass + " failed (" + r.exit() + "):\n" + r.output());
        }
        return m.group(1);
    }

    /** {@code flink stop --savepointPath DIR JOB}: stops the job with a savepoint; returns the savepoint's path. */
    public String stopWithSavepoint(String jobId) {
        CliResult r = flink(List.of("stop", "-m", address(), "--savepointPath", savepointDir().toUri().toString(), jobId),
                Duration.ofSeconds(180));
        Matcher m = SAVEPOINT.matcher(r.output());
        if (r.exit() != 0 || !m.find()) {
            throw new IllegalStateException("flink stop " + jobId + " failed (" + r.exit() + "):\n" + r.output());
        }
        return m.group(1);
    }

    /** {@code flink cancel JOB}. */
    public void cancel(String jobId) {
        CliResult r = flink(List.of("cancel", "-m", address(), jobId), Duration.ofSeconds(240));
        if (r.exit() != 0) {
            throw new IllegalStateException("flink cancel " + jobId + " failed (" + r.exit() + "):\n" + r.output());
        }
    }

    // ---- job state, through the REST API ------------------------------------------------------

    public JsonNode job(String jobId) {
        return Http.get(restUrl() + "/jobs/" + jobId);
    }

    public String state(String jobId) {
        try {
            return job(jobId).path("state").asText();
        } catch (RuntimeException e) {
            return "UNKNOWN";
        }
    }

    /** The job's restart count ({@code numRestarts} metric of the JobManager). */
    public long restarts(String jobId) {
        JsonNode m = Http.get(restUrl() + "/jobs/" + jobId + "/metrics?get=numRestarts");
        for (JsonNode n : m) {
            if ("numRestarts".equals(n.path("id").asText())) {
                return n.path("value").asLong();
            }
        }
        return -1;
    }

    /** Completed checkpoints of the job so far. */
    public long completedCheckpoints(String jobId) {
        return Http.get(restUrl() + "/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
    }

    public long failedCheckpoints(String jobId) {
        return Http.get(restUrl() + "/jobs/" + jobId + "/checkpoints").path("counts").path("failed").asLong();
    }

    /** Id of the job's latest completed checkpoint, or -1. */
    public long latestCompletedCheckpoint(String jobId) {
        JsonNode c = Http.get(restUrl() + "/jobs/" + jobId + "/checkpoints").path("latest").path("completed");
        return c.isMissingNode() || c.isNull() ? -1 : c.path("id").asLong();
    }

    /** Id of the checkpoint the running job restored from last, or -1. */
    public long restoredCheckpoint(String jobId) {
        JsonNode r = Http.get(restUrl() + "/jobs/" + jobId + "/checkpoints").path("latest").path("restored");
        return r.isMissingNode() || r.isNull() ? -1 : r.path("id").asLong();
    }

    /**
     * The newest complete checkpoint a job left in {@link #checkpointDir()} ({@code chk-N} with its
     * {@code _metadata}), as {@code flink run -s} takes it.
     */
    public String latestCheckpoint(String jobId) {
        Path jobDir = checkpointDir().resolve(jobId);
        try (var dirs = Files.list(jobDir)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("chk-") && Files.exists(d.resolve("_metadata")))
                    .max(java.util.Comparator.comparingLong(d -> Long.parseLong(d.getFileName().toString().substring(4))))
                    .map(d -> d.toUri().toString())
                    .orElseThrow(() -> new IllegalStateException("no complete checkpoint in " + jobDir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + jobDir, e);
        }
    }

    /** Resource ids of the TaskManagers running any task of the job. */
    public List<String> taskManagersOf(String jobId) {
        List<String> ids = new ArrayList<>();
        for (JsonNode v : job(jobId).path("vertices")) {
            JsonNode tms = Http.get(restUrl() + "/jobs/" + jobId + "/vertices/" + v.path("id").asText() + "/taskmanagers");
            for (JsonNode t : tms.path("taskmanagers")) {
                String id = t.path("taskmanager-id").asText();
                if (!ids.contains(id) && !t.path("status").asText().equals("CANCELED")) {
                    ids.add(id);
                }
            }
        }
        ids.sort(null);
        return ids;
    }

    /** Parallelism of every vertex of the job. */
    public List<Integer> parallelisms(String jobId) {
        List<Integer> p = new ArrayList<>();
        job(jobId).path("vertices").forEach(v -> p.add(v.path("parallelism").asInt()));
        return p;
    }

    /** Waits until the job is RUNNING with every task running. */
    public void awaitRunning(String jobId, Duration timeout) {
        String[] last = {""};
        boolean ok = ServerLifecycle.await(timeout, () -> {
            try {
                JsonNode j = job(jobId);
                last[0] = j.path("state").asText() + " " + j.path("status-counts");
                if (!"RUNNING".equals(j.path("state").asText())) {
                    return false;
                }
                for (JsonNode v : j.path("vertices")) {
                    if (!"RUNNING".equals(v.path("status").asText())) {
                        return false;
                    }
                }
                return true;
            } catch (RuntimeException e) {
                last[0] = e.toString();
                return false;
            }
        });
        if (!ok) {
            throw new IllegalStateException("job " + jobId + " is not running after " + timeout.toSeconds() + " s: " + last[0]);
        }
    }

    /** Waits until the job has completed at least {@code n} checkpoints in all. */
    public void awaitCheckpoints(String jobId, long n, Duration timeout) {
        if (!ServerLifecycle.await(timeout, () -> {
            try {
                return completedCheckpoints(jobId) >= n;
            } catch (RuntimeException e) {
                return false;
            }
        })) {
            throw new IllegalStateException("job " + jobId + " has not completed " + n + " checkpoints after " + timeout.toSeconds() + " s");
        }
    }

    @Override
    public void close() {
        for (JvmProcess tm : taskManagers.values()) {
            tm.close();
        }
        if (jobManager != null) {
            jobManager.close();
        }
    }

    @Override
    public String toString() {
        return "FlinkCluster[" + restUrl() + ", task managers " + Arrays.toString(taskManagers.keySet().toArray()) + "]";
    }
}

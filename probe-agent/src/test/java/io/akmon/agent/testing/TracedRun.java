package io.akmon.agent.testing;

import io.akmon.agent.Agent;
import io.akmon.agent.AgentSettings;
import io.akmon.agent.event.Event;
import io.akmon.agent.publish.CollectingSink;
import io.akmon.schema.EventType;

import java.util.List;
import java.util.function.Consumer;

/**
 * Runs one workload under an agent that traces only it (and its descendants), and hands back
 * every record. The agent is attached before the workload starts its work.
 */
public final class TracedRun {
    private final CollectingSink sink;
    private final Agent agent;

    private final Workload workload;

    private TracedRun(CollectingSink sink, Agent agent, Workload workload) {
        this.sink = sink;
        this.agent = agent;
        this.workload = workload;
    }

    public static AgentSettings settingsFor(int pid) {
        AgentSettings s = new AgentSettings();
        s.pids = List.of(pid);
        s.intervalMs = 200;
        s.pinDir = ""; // tests must not disturb a running agent's pinned counters
        return s;
    }

    /** Starts an agent that traces only {@code workload}; the workload has not started its work yet. */
    public static TracedRun attach(Workload workload, Consumer<AgentSettings> tweak) {
        AgentSettings s = settingsFor(workload.pid());
        tweak.accept(s);
        CollectingSink sink = new CollectingSink();
        return new TracedRun(sink, Agent.start(s, sink, System.err), workload);
    }

    /** Traces {@code workload} from go to done, then lets it exit and drains everything. */
    public static TracedRun of(Workload workload, Consumer<AgentSettings> tweak) {
        TracedRun run = attach(workload, tweak);
        try {
            workload.go();
            run.finishAndDrain();
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
        return run;
    }

    /** Lets the workload exit, then reads and drains until its exit and last figures are in. */
    public void finishAndDrain() {
        workload.finish();
        agent.sync();
        agent.sync(); // the last switch-out and counter updates follow the exit record
    }

    public static TracedRun of(Workload workload) {
        return of(workload, s -> { });
    }

    public List<Event> events(EventType type) {
        return sink.matching(e -> e.type() == type);
    }

    public List<Event> all() {
        return sink.snapshot();
    }

    public Agent agent() {
        return agent;
    }

    public void close() {
        agent.close();
    }
}

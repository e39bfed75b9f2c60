package io.akmon.agent;

import io.akmon.agent.event.Event;
import io.akmon.agent.loader.KernelFeatures;
import io.akmon.agent.loader.Probe;
import io.akmon.agent.publish.CollectingSink;
import io.akmon.agent.testing.TracedRun;
import io.akmon.agent.testing.Workload;
import io.akmon.schema.EventType;
import io.akmon.schema.Fields;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** On a kernel without an optional tracepoint the agent runs the rest, and says what it left out. */
class OptionalProbeIT {

    @Test
    void withoutTheSocketTracepointsTheOtherFamiliesStillRun() {
        Agent.Plan full = Agent.plan(KernelFeatures.read(Path.of("/sys/kernel/btf/vmlinux")), EnumSet.allOf(Probe.Family.class));
        List<Probe> probes = new ArrayList<>(full.probes());
        probes.remove(Probe.SOCK_SEND);
        probes.remove(Probe.SOCK_RECV);
        Agent.Plan older = new Agent.Plan(probes, List.of("this kernel has no tracepoint sock_send_length"));

        try (Workload w = Workload.start("getppid", "1000")) {
            CollectingSink sink = new CollectingSink();
            try (Agent agent = Agent.start(TracedRun.settingsFor(w.pid()), sink, System.err, older)) {
                assertFalse(agent.attachedPrograms().contains(Probe.SOCK_SEND.program()));
                assertTrue(agent.attachedPrograms().contains(Probe.TCP_STATE.program()));
                assertEquals(1, agent.warnings().size());
                w.go();
                w.finish();
                agent.sync();
                long getppid = sink.matching(e -> e.type() == EventType.SYSCALL && e.pid() == w.pid()
                        && "getppid".equals(e.getString(Fields.SYSCALL))).stream().mapToLong(e -> e.getLong(Fields.COUNT)).sum();
                assertEquals(1000, getppid);
                List<Event> exits = sink.matching(e -> e.type() == EventType.EXIT && e.pid() == w.pid());
                assertEquals(1, exits.size());
            }
        }
    }
}

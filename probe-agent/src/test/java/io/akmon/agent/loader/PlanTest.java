package io.akmon.agent.loader;

import io.akmon.agent.Agent;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which probes run on which kernel: optional ones are skipped with a warning, required ones stop the agent. */
class PlanTest {
    private static Set<String> all() {
        return Arrays.stream(Probe.values()).map(Probe::tracepoint).collect(Collectors.toSet());
    }

    @Test
    void aKernelWithEverythingRunsEveryProbe() {
        Agent.Plan plan = Agent.plan(new KernelFeatures("6.18.44", all()), EnumSet.allOf(Probe.Family.class));
        assertEquals(Probe.values().length, plan.probes().size());
        assertTrue(plan.warnings().isEmpty());
    }

    @Test
    void aMissingOptionalTracepointIsSkippedWithAWarning() {
        Set<String> tps = all();
        tps.remove("sock_send_length"); // Linux before 6.3
        tps.remove("sock_recv_length");
        Agent.Plan plan = Agent.plan(new KernelFeatures("6.1.0", tps), EnumSet.allOf(Probe.Family.class));
        assertFalse(plan.probes().contains(Probe.SOCK_SEND));
        assertTrue(plan.probes().contains(Probe.TCP_STATE));
        assertEquals(2, plan.warnings().size());
        assertTrue(plan.warnings().get(0).contains("sock_send_length"), plan.warnings().get(0));
    }

    @Test
    void aMissingRequiredTracepointIsAClearError() {
        Set<String> tps = all();
        tps.remove("sched_switch");
        ProbeException e = assertThrows(ProbeException.class,
                () -> Agent.plan(new KernelFeatures("6.1.0", tps), EnumSet.allOf(Probe.Family.class)));
        assertTrue(e.getMessage().contains("sched_switch") && e.getMessage().contains("cpu"), e.getMessage());
        assertTrue(e.fix().contains("--families"), e.fix());
        // without the cpu family the same kernel is fine
        assertFalse(Agent.plan(new KernelFeatures("6.1.0", tps), EnumSet.of(Probe.Family.PROCESS)).probes().isEmpty());
    }

    @Test
    void anOldKernelIsRefusedWithItsVersion() {
        ProbeException e = assertThrows(ProbeException.class,
                () -> Agent.plan(new KernelFeatures("4.19.0-25-amd64", all()), EnumSet.allOf(Probe.Family.class)));
        assertTrue(e.getMessage().contains("4.19.0-25-amd64") && e.getMessage().contains("too old"), e.getMessage());
        assertEquals("upgrade the kernel", e.fix());
    }

    @Test
    void tracepointsAreFoundInARealBtfBlob() {
        KernelFeatures k = KernelFeatures.read(java.nio.file.Path.of("/sys/kernel/btf/vmlinux"));
        for (Probe p : Probe.values()) {
            assertTrue(k.hasTracepoint(p.tracepoint()), p.tracepoint());
        }
        assertFalse(k.hasTracepoint("no_such_tracepoint"));
    }

    @Test
    void noBtfIsAClearError() {
        ProbeException e = assertThrows(ProbeException.class, () -> KernelFeatures.read(java.nio.file.Path.of("/nonexistent/vmlinux")));
        assertTrue(e.getMessage().contains("no BTF"), e.getMessage());
        assertTrue(e.fix().contains("CONFIG_DEBUG_INFO_BTF"), e.fix());
    }
}

package io.akmon.agent.security;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HardeningTest {
    @Test
    void keepsNothingOnCurrentKernelsAndCapBpfBefore519() {
        assertEquals(0, Hardening.keptWhileRunning("6.18.44-fc-v657"));
        assertEquals(0, Hardening.keptWhileRunning("5.19.0-1"));
        assertEquals(1L << Capabilities.CAP_BPF, Hardening.keptWhileRunning("5.15.0-91-generic"));
        assertEquals("cap_perfmon,cap_bpf", Capabilities.names((1L << Capabilities.CAP_BPF) | (1L << Capabilities.CAP_PERFMON)));
        assertEquals("", Capabilities.names(0));
    }
}

package io.akmon.agent.security;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent's system call filter, installed in a JVM of its own: what an agent does works, the rest fails with EPERM. */
class SyscallFilterIT {
    @Test
    void allowsWhatARunningAgentDoesAndDeniesTheRest() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SeccompProbe.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().toList();
        assertEquals("installed " + SyscallFilter.allowed().size(), lines.get(0), out);
        assertTrue(lines.contains("files ok") && lines.contains("thread ok") && lines.contains("connect ok"), out);
        // execve is not on the list: the JDK reports the kernel's EPERM
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("exec denied: ") && l.contains("error=1, Operation not permitted")), out);
        // nor is bind/listen: the agent only ever connects out
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("listen denied: ") && l.contains("Operation not permitted")), out);
    }

    @Test
    void theListNamesOnlyRealSystemCallsAndNoneThatLoadsOrRaisesPrivileges() {
        List<String> allowed = SyscallFilter.allowed();
        assertEquals(allowed.size(), allowed.stream().distinct().count(), "no duplicates: " + allowed);
        for (String forbidden : List.of("execve", "execveat", "ptrace", "mount", "umount2", "perf_event_open", "capset",
                "setuid", "setresuid", "init_module", "finit_module", "unshare", "setns", "bind", "listen", "accept", "accept4")) {
            assertTrue(!allowed.contains(forbidden), forbidden + " must not be allowed");
        }
    }
}

package io.akmon.agent.security;

import java.io.PrintStream;
import java.util.List;

/**
 * What the agent does once its programs are attached and its maps and buffers are open: give up
 * every capability (reading and updating maps through open descriptors, reading the buffers,
 * test-running the CPU flush and detaching need none since Linux 5.19, which stopped refusing every
 * bpf command to the unprivileged when unprivileged BPF is disabled), then, with --seccomp, confine
 * itself to the system calls a running agent makes.
 */
public final class Hardening {
    private Hardening() {
    }

    /** The outcome, for the log and the audit record; capabilities as capsh names them. */
    public record Result(String capabilitiesBefore, String capabilitiesAfter, boolean seccomp, int allowedSyscalls) {
    }

    /** What a running agent still needs: nothing on 5.19+; CAP_BPF before, for map access through its descriptors. */
    static long keptWhileRunning(String kernelRelease) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(kernelRelease);
        boolean atLeast519 = !m.find() || Integer.parseInt(m.group(1)) > 5
                || (Integer.parseInt(m.group(1)) == 5 && Integer.parseInt(m.group(2)) >= 19);
        return atLeast519 ? 0 : Capabilities.bit(Capabilities.CAP_BPF);
    }

    public static Result afterStart(boolean seccomp, PrintStream log) {
        return afterStart(seccomp, false, log);
    }

    /** As {@link #afterStart(boolean, PrintStream)}; {@code servesScrapes}: the metrics endpoint is listening. */
    public static Result afterStart(boolean seccomp, boolean servesScrapes, PrintStream log) {
        Capabilities.Sets before = Capabilities.ofCurrentThread();
        Capabilities.Sets after = Capabilities.keepOnly(keptWhileRunning(System.getProperty("os.version")));
        int allowed = seccomp ? SyscallFilter.install(servesScrapes ? List.of("accept", "accept4") : List.of()) : 0;
        Result r = new Result(Capabilities.names(before.effective()), Capabilities.names(after.effective()), seccomp, allowed);
        if (log != null) {
            log.println("akmon agent: dropped capabilities [" + r.capabilitiesBefore() + "], now holding ["
                    + r.capabilitiesAfter() + "]" + (seccomp ? "; system call filter on (" + allowed + " calls allowed)" : ""));
        }
        return r;
    }
}

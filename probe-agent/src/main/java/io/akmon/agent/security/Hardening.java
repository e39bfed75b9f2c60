package io.akmon.agent.security;

import java.io.PrintStream;

/**
 * What the agent does once its programs are attached and its maps and buffers are open: give up
 * every capability (reading and updating open maps, reading the buffers and detaching need none on
 * Linux 6.5+), then, with --seccomp, confine itself to the system calls a running agent makes.
 */
public final class Hardening {
    private Hardening() {
    }

    /** The outcome, for the log and the audit record; capabilities as capsh names them. */
    public record Result(String capabilitiesBefore, String capabilitiesAfter, boolean seccomp, int allowedSyscalls) {
    }

    public static Result afterStart(boolean seccomp, PrintStream log) {
        Capabilities.Sets before = Capabilities.ofCurrentThread();
        Capabilities.Sets after = Capabilities.keepOnly(0);
        int allowed = seccomp ? SyscallFilter.install() : 0;
        Result r = new Result(Capabilities.names(before.effective()), Capabilities.names(after.effective()), seccomp, allowed);
        if (log != null) {
            log.println("akmon agent: dropped capabilities [" + r.capabilitiesBefore() + "], now holding ["
                    + r.capabilitiesAfter() + "]" + (seccomp ? "; system call filter on (" + allowed + " calls allowed)" : ""));
        }
        return r;
    }
}

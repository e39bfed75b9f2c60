package io.akmon.agent.loader;

/**
 * A problem the user can fix: the message names the problem, {@link #fix()} says what to do.
 * The CLI prints both on one line and exits non-zero.
 */
public class ProbeException extends RuntimeException {
    private final String fix;

    public ProbeException(String problem, String fix) {
        super(problem);
        this.fix = fix;
    }

    public ProbeException(String problem, String fix, Throwable cause) {
        super(problem, cause);
        this.fix = fix;
    }

    public String fix() {
        return fix;
    }

    /** One line: problem, then fix. */
    public String oneLine() {
        return getMessage() + (fix == null ? "" : "; fix: " + fix);
    }
}

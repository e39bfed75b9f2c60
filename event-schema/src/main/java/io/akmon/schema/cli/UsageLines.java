package io.akmon.schema.cli;

import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * How every akmon command answers bad usage: one line {@code <command>: <problem>; fix: <fix>} and exit
 * {@value #EXIT_USAGE}, for an unknown flag (with the flags it may have meant), a value that does not
 * convert, a missing parameter, or a value a command checks itself.
 */
public final class UsageLines {
    public static final int EXIT_USAGE = 2;

    private UsageLines() {
    }

    /** Installs the one-line answer to the parser's errors on a command line and the subcommands it has now. */
    public static CommandLine install(CommandLine cl) {
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            PrintWriter err = cmd.getErr();
            err.println(line(name(cmd), ex));
            err.flush();
            return EXIT_USAGE;
        });
        return cl;
    }

    /** The command as typed: {@code akmon rules validate}; a subcommand whose own name already says it stays as it is. */
    public static String name(CommandLine cmd) {
        String own = cmd.getCommandName();
        CommandLine parent = cmd.getParent();
        if (parent == null) {
            return own;
        }
        String outer = name(parent);
        return own.startsWith(outer + " ") ? own : outer + " " + own;
    }

    /** {@code <command>: <problem>; fix: <fix>}; a problem that names its own fix keeps it. */
    public static String line(String command, Exception e) {
        String problem = e.getMessage() == null ? "bad usage" : e.getMessage().lines().findFirst().orElse("bad usage").trim();
        if (problem.contains("; fix: ")) {
            return command + ": " + problem;
        }
        String fix = command + " --help lists every option";
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            fix = "did you mean " + String.join(" or ", u.getSuggestions()) + "? " + fix;
        } else {
            fix = "correct it; " + fix;
        }
        return command + ": " + problem + "; fix: " + fix;
    }
}

package io.akmon.flink.config;

import picocli.CommandLine;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * What every command of the jobs does with its command line: options from flags and from a
 * {@code --config} properties file (keys = long option names without dashes; flags win), and bad usage
 * (an unknown flag, a bad value, a malformed file) answered with one line naming the problem and the
 * fix, exit {@value #EXIT_USAGE}.
 */
public final class CommandLines {
    public static final int EXIT_USAGE = 2;

    private CommandLines() {
    }

    /** Thrown for bad usage; the message is the one line to print. */
    public static final class UsageException extends IllegalArgumentException {
        public UsageException(String line) {
            super(line);
        }
    }

    /**
     * Parses {@code args} into {@code options}, with defaults from the {@code --config} file when given.
     * Returns null after --help or --version (printed). Throws {@link UsageException}.
     */
    public static <T> T parse(String command, T options, String... args) {
        CommandLine cl = new CommandLine(options);
        try {
            File file = configFile(args);
            if (file != null) {
                cl.setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(checkedConfig(cl, file)));
            }
            cl.parseArgs(args);
            if (cl.isUsageHelpRequested()) {
                cl.usage(System.out);
                return null;
            }
            if (cl.isVersionHelpRequested()) {
                cl.printVersionHelp(System.out);
                return null;
            }
            return options;
        } catch (CommandLine.ParameterException e) {
            throw new UsageException(line(command, e));
        } catch (IllegalArgumentException e) {
            throw new UsageException(line(command, e));
        }
    }

    /** One line for a usage problem: {@code <command>: <problem>; fix: <fix>}. */
    public static String line(String command, Exception e) {
        String problem = firstLine(e.getMessage());
        if (problem.contains("; fix: ")) {
            return command + ": " + problem;
        }
        String fix = "correct it; " + command + " --help lists every option";
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            fix = "did you mean " + String.join(" or ", u.getSuggestions()) + "? " + command + " --help lists every option";
        }
        return command + ": " + problem + "; fix: " + fix;
    }

    /**
     * Makes a command line (and its subcommands) answer bad usage with one line and exit 2: unknown
     * flags and bad values from the parser, and {@link IllegalArgumentException}s its commands throw
     * for values they check themselves.
     */
    public static CommandLine oneLineErrors(CommandLine cl) {
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println(line(name(ex.getCommandLine()), ex));
            err.flush();
            return EXIT_USAGE;
        });
        CommandLine.IExecutionExceptionHandler previous = cl.getExecutionExceptionHandler();
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof UsageException) {
                cmd.getErr().println(ex instanceof UsageException ? ex.getMessage() : line(name(cmd), ex));
                cmd.getErr().flush();
                return EXIT_USAGE;
            }
            return previous.handleExecutionException(ex, cmd, parsed);
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

    private static File configFile(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return new File(args[i + 1]);
            }
            if (args[i].startsWith("--config=")) {
                return new File(args[i].substring("--config=".length()));
            }
        }
        return null;
    }

    /** The config file, once it is readable and names only known options. */
    private static File checkedConfig(CommandLine cl, File file) {
        if (!file.canRead()) {
            throw new IllegalArgumentException("cannot read --config file " + file + (file.exists() ? " (permission denied)"
                    : " (no such file)") + "; fix: check the path, or leave --config out");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file.toPath())) {
            p.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read --config file " + file + ": " + e.getMessage()
                    + "; fix: write one key=value per line (keys are the long option names without dashes)");
        }
        Set<String> known = new TreeSet<>();
        for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
            known.add(o.longestName().replaceFirst("^-+", ""));
        }
        for (String key : p.stringPropertyNames()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown setting '" + key + "' in --config file " + file
                        + "; fix: keys are the long option names without dashes, e.g. window=10s");
            }
        }
        return file;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "bad usage";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}

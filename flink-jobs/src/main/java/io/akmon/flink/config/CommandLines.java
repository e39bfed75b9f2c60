package io.akmon.flink.config;

import io.akmon.schema.cli.UsageLines;
import picocli.CommandLine;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
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
    public static final int EXIT_USAGE = UsageLines.EXIT_USAGE;

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
            throw new UsageException(UsageLines.line(command, e));
        } catch (IllegalArgumentException e) {
            throw new UsageException(UsageLines.line(command, e));
        }
    }

    /**
     * As {@link #parse}, then {@code validate} (the options' own checks across options): both jobs' mains
     * parse this way. An {@link IllegalArgumentException} of the check becomes a {@link UsageException}.
     */
    public static <T> T parseValid(String command, T options, java.util.function.Consumer<T> validate, String... args) {
        T parsed = parse(command, options, args);
        if (parsed == null) {
            return null;
        }
        try {
            validate.accept(parsed);
        } catch (IllegalArgumentException e) {
            throw new UsageException(UsageLines.line(command, e));
        }
        return parsed;
    }

    /**
     * The checks both jobs make of their Kafka and sink options; merges the named security options into
     * {@code kafkaProperties}, where a {@code --kafka-property} given wins.
     */
    public static void checkShared(io.akmon.schema.security.KafkaSecurityOptions kafkaSecurity,
                                   java.util.Map<String, String> kafkaProperties, java.util.List<String> sinks,
                                   String stateBackend, String startingOffsets) {
        kafkaSecurity.clientProperties().forEach(kafkaProperties::putIfAbsent);
        for (String sink : sinks) {
            if (!sink.equals("kafka") && !sink.equals("elasticsearch")) {
                throw new IllegalArgumentException("--sinks takes kafka and/or elasticsearch, got " + sink);
            }
        }
        if (!stateBackend.equals("heap") && !stateBackend.equals("rocksdb")) {
            throw new IllegalArgumentException("--state-backend must be heap or rocksdb, got " + stateBackend);
        }
        if (!java.util.List.of("committed", "earliest", "latest").contains(startingOffsets)) {
            throw new IllegalArgumentException("--starting-offsets must be committed, earliest or latest, got " + startingOffsets);
        }
    }

    /**
     * Makes a command line (and its subcommands) answer bad usage with one line and exit 2: unknown
     * flags and bad values from the parser, and {@link IllegalArgumentException}s its commands throw
     * for values they check themselves.
     */
    public static CommandLine oneLineErrors(CommandLine cl) {
        UsageLines.install(cl);
        CommandLine.IExecutionExceptionHandler previous = cl.getExecutionExceptionHandler();
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof UsageException) {
                cmd.getErr().println(ex instanceof UsageException ? ex.getMessage() : UsageLines.line(UsageLines.name(cmd), ex));
                cmd.getErr().flush();
                return EXIT_USAGE;
            }
            return previous.handleExecutionException(ex, cmd, parsed);
        });
        return cl;
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

}

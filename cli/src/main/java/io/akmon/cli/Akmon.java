package io.akmon.cli;

import io.akmon.agent.cli.AgentCommand;
import io.akmon.agent.loader.ProbeException;
import io.akmon.cli.run.RunCommand;
import io.akmon.cli.top.StatusCommand;
import io.akmon.cli.top.TopCommand;
import io.akmon.flink.alert.cli.RulesCommand;
import io.akmon.flink.sink.es.EsRetentionCommand;
import io.akmon.flink.sink.es.EsSetupCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code akmon}: one parser for every subcommand. */
@Command(name = "akmon", mixinStandardHelpOptions = true, version = "akmon 0.1.0",
        description = "Atomic kernel monitoring: eBPF probes -> Kafka -> Flink -> Elasticsearch -> Grafana.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Akmon implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Akmon());
        cl.addSubcommand("agent", new AgentCommand());
        cl.addSubcommand("run", new RunCommand());
        cl.addSubcommand("top", new TopCommand());
        cl.addSubcommand("status", new StatusCommand());
        cl.addSubcommand("rules", new CommandLine(new RulesCommand()).setCaseInsensitiveEnumValuesAllowed(true));
        cl.addSubcommand("es", new CommandLine(new EsCommand())
                .addSubcommand("setup", new EsSetupCommand())
                .addSubcommand("retention", new EsRetentionCommand()));
        io.akmon.schema.cli.UsageLines.install(cl);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException) {
                // A value the command checks itself (bad usage, like the parser's own errors): one line, exit 2.
                String name = io.akmon.schema.cli.UsageLines.name(cmd);
                cmd.getErr().println(ex instanceof io.akmon.flink.config.CommandLines.UsageException ? ex.getMessage()
                        : io.akmon.schema.cli.UsageLines.line(name, ex));
                cmd.getErr().flush();
                return io.akmon.schema.cli.UsageLines.EXIT_USAGE;
            }
            System.err.println("akmon " + cmd.getCommandName() + ": " + (ex instanceof ProbeException p ? p.oneLine() : ex.toString()));
            return ex instanceof ProbeException ? 3 : 1;
        });
        return cl;
    }

    /** {@code akmon es}: prepare and prune the Elasticsearch indices. */
    @Command(name = "es", mixinStandardHelpOptions = true,
            description = "Elasticsearch: install index templates and aliases (setup), delete indices past the retention (retention).",
            subcommands = {CommandLine.HelpCommand.class})
    static final class EsCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
        }
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}

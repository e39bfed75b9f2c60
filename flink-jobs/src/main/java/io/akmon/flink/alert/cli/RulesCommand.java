package io.akmon.flink.alert.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code akmon rules ...}: check a rules file, or try it over the history kept in Kafka. */
@Command(name = "rules", mixinStandardHelpOptions = true,
        description = "Alert rules: validate a rules file, or replay it over history in Kafka.",
        subcommands = {ValidateCommand.class, ReplayCommand.class, CommandLine.HelpCommand.class})
public class RulesCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return io.akmon.flink.config.CommandLines.oneLineErrors(
                new CommandLine(new RulesCommand()).setCaseInsensitiveEnumValuesAllowed(true)).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}

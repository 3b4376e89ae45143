package bitflex.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code bitflex} command line: a thin layer over the library. */
@Command(name = "bitflex", mixinStandardHelpOptions = true, version = "bitflex 0.1.0",
        description = "Neural-network training in real fixed-point arithmetic.",
        subcommands = {TrainCommand.class, EvalCommand.class, CompareCommand.class, ReportCommand.class, BenchCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler(new ErrorHandler());
        return cl.execute(args);
    }
}

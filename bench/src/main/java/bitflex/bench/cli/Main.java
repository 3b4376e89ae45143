package bitflex.bench.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code bitflex} command line: a thin layer over the library. */
@Command(name = "bitflex", mixinStandardHelpOptions = true, version = "bitflex 0.1.0",
        description = "Neural-network training in real fixed-point arithmetic.")
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        // Picocli builds a command's model by reflection when it is added. Only the subcommand
        // named first is added when there is one: the model of all five took 350-390 ms at a
        // start on Zen 3, of train alone 270-290 ms. Anything else (no arguments, --help, a typo)
        // gets all of them, for the listing and the suggestions.
        // addSubcommand takes each one's name from its @Command: the keys only choose which to build.
        Map<String, Supplier<Object>> subcommands = subcommands();
        Supplier<Object> named = args.length > 0 ? subcommands.get(args[0]) : null;
        if (named != null) {
            cl.addSubcommand(named.get());
        } else {
            subcommands.values().forEach(command -> cl.addSubcommand(command.get()));
        }
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler(new ErrorHandler());
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // Picocli hands errors on. By now the stack that held the big arrays has unwound, so
            // there is room to say what happened instead of leaving a bare stack trace.
            cl.getErr().println(outOfMemory(e, Runtime.getRuntime().maxMemory()));
            cl.getErr().flush();
            return ErrorHandler.FAILED;
        }
    }

    /** The one line a user sees when the JVM ran out of heap ({@code maxHeap}: its limit in bytes). */
    static String outOfMemory(OutOfMemoryError e, long maxHeap) {
        return "bitflex: out of memory (" + e.getMessage() + ") with a Java heap limit of " + (maxHeap >> 20)
                + " MB; give the JVM more, for example BITFLEX_JAVA_OPTS=-Xmx" + Math.max(512, 2 * (maxHeap >> 20)) + "m";
    }

    /** The subcommands by name, in the order the usage lists them. */
    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("train", TrainCommand::new);
        m.put("eval", EvalCommand::new);
        m.put("compare", CompareCommand::new);
        m.put("report", ReportCommand::new);
        m.put("bench", BenchCommand::new);
        return m;
    }
}

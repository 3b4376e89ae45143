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
            if (System.getenv("BITFLEX_DEBUG") != null) {
                e.printStackTrace(cl.getErr());
            }
            cl.getErr().println(outOfMemory(e, Runtime.getRuntime().maxMemory()));
            cl.getErr().flush();
            return ErrorHandler.FAILED;
        }
    }

    /**
     * The one line a user sees when the JVM ran out of memory ({@code maxHeap}: the heap it may use,
     * in bytes, which with the parallel collector is a little below {@code -Xmx}). Only a full heap
     * gets the advice to raise {@code -Xmx}; metaspace, native threads or direct buffers would not
     * be helped by it.
     */
    static String outOfMemory(OutOfMemoryError e, long maxHeap) {
        String what = e.getMessage() == null ? "OutOfMemoryError" : e.getMessage();
        String line = "bitflex: out of memory (" + what + ")";
        if (!what.equals("Java heap space") && !what.equals("GC overhead limit exceeded")) {
            return line;
        }
        long mb = maxHeap >> 20;
        return line + " with " + mb + " MB of Java heap; give the JVM more, for example BITFLEX_JAVA_OPTS=-Xmx"
                + Math.max(512, 2 * mb) + "m";
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

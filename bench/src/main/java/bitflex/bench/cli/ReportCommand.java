package bitflex.bench.cli;

import bitflex.bench.report.ReportComparison;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code bitflex report ...}: works on the directories {@code train --report DIR} wrote. */
@Command(name = "report", mixinStandardHelpOptions = true, description = "Work with run reports written by train --report.",
        subcommands = {ReportCommand.Compare.class})
final class ReportCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalArgumentException("report: name a subcommand (compare)");
    }

    /** {@code bitflex report compare DIR...}. */
    @Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Print a side-by-side table of several runs' reports: accuracy and its delta against the "
                + "float32 run of the same model, model size, training and inference bit-MAC ratios (against FP32), "
                + "GEMM energy and parameter memory saved (against QAT), wall time and samples/s."})
    static final class Compare implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "DIR", description = "report directories (or their report.json files)")
        List<Path> dirs;
        @Option(names = "--out", description = "also write the table as Markdown to this file")
        Path out;
        @Option(names = "--json", description = "also write the table as a JSON array to this file")
        Path json;

        @Override
        public Integer call() throws Exception {
            ReportComparison c = ReportComparison.read(dirs);
            String md = c.markdown();
            System.out.print(md);
            if (out != null) {
                Files.writeString(out, md, StandardCharsets.UTF_8);
            }
            if (json != null) {
                Files.writeString(json, c.json(), StandardCharsets.UTF_8);
            }
            return 0;
        }
    }
}

package bitflex.bench.cli;

import picocli.CommandLine.Command;

/** {@code bitflex bench ...}: measured throughput of the engine's kernels. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark the engine's kernels.",
        subcommands = {GemmBenchCommand.class})
final class BenchCommand {
}

package bitflex.bench.cli;

import bitflex.bench.gemm.GemmShape;
import bitflex.bench.gemm.GemmTimer;
import bitflex.bench.gemm.GemmWorkload;
import bitflex.engine.parallel.Parallel;
import bitflex.engine.simd.Simd;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bitflex bench gemm}: GFLOP/s and GMAC/s of the engine's GEMM on one shape, after warm-up.
 * {@code --dtype int8|int16} times the integer GEMM (exact products, 32-bit wrapping accumulator);
 * a MAC is one multiply-add whatever the type, so GMAC/s compares the types directly.
 */
@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = {"Time C[m x n] = op(A)[m x k] * op(B)[k x n] after a warm-up and print GFLOP/s.",
                "Reports the best of ~20 ms repetitions (and their median)."})
final class GemmBenchCommand implements Callable<Integer> {
    @Option(names = "--m", required = true, description = "Rows of C and op(A).")
    int m;

    @Option(names = "--n", required = true, description = "Columns of C and op(B).")
    int n;

    @Option(names = "--k", required = true, description = "Columns of op(A), rows of op(B).")
    int k;

    @Option(names = "--threads", description = "Threads for the engine (default: the number of cores).")
    Integer threads;

    @Option(names = "--transA", description = "A is stored k x m.")
    boolean transA;

    @Option(names = "--transB", description = "B is stored n x k.")
    boolean transB;

    @Option(names = "--dtype", defaultValue = "float32", description = "Element type: float32, int8 or int16 (default ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--warmup", defaultValue = "2", description = "Warm-up seconds before timing (default ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--time", defaultValue = "3", description = "Seconds of timed repetitions (default ${DEFAULT-VALUE}).")
    double time;

    @Option(names = "--json", description = "Print one JSON object instead of a line of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        GemmShape shape = new GemmShape(m, n, k, transA, transB);
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (t < 1 || t > 1024) {
            throw new IllegalArgumentException("--threads must be between 1 and 1024, got " + t);
        }
        if (!(warmup >= 0 && warmup <= 600) || !(time > 0 && time <= 600)) {
            throw new IllegalArgumentException("--warmup must be in [0, 600] and --time in (0, 600] seconds, got "
                    + warmup + " and " + time);
        }
        GemmWorkload w = GemmWorkload.create(dtype, shape);
        Parallel.setThreads(t);
        GemmTimer.Result r = GemmTimer.time(w, warmup, time);
        String jdk = Runtime.version().toString();
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("m", m);
            out.put("n", n);
            out.put("k", k);
            out.put("threads", t);
            out.put("transA", transA);
            out.put("transB", transB);
            out.put("dtype", dtype);
            out.put("gflops", round(r.best()));
            out.put("gflops_median", round(r.median()));
            out.put("gmacs", round(r.best() / 2));
            out.put("gmacs_median", round(r.median() / 2));
            out.put("statistic", "best of repetitions");
            out.put("repetitions", r.repetitions());
            out.put("calls_per_repetition", r.callsPerRepetition());
            out.put("seconds_per_call", r.secondsPerCall());
            out.put("warmup_seconds", warmup);
            out.put("heap_bytes_per_call", r.heapBytesPerCall());
            out.put("jdk", jdk);
            out.put("vm", System.getProperty("java.vm.name"));
            out.put("vector_bits", Simd.BITS);
            out.put("vector_registers", Simd.REGISTERS);
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } else {
            System.out.printf("gemm %s %s, %d thread%s: %.1f GFLOP/s = %.1f GMAC/s (best of %d repetitions; median %.1f GFLOP/s), %d heap bytes/call, JDK %s, %d-bit vectors, tiles for %d registers%n",
                    dtype, shape, t, t == 1 ? "" : "s", r.best(), r.best() / 2, r.repetitions(), r.median(),
                    r.heapBytesPerCall(), jdk, Simd.BITS, Simd.REGISTERS);
        }
        return 0;
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }
}

package bitflex.bench.jmh;

import bitflex.bench.gemm.GemmShape;
import bitflex.bench.gemm.GemmWorkload;
import bitflex.engine.parallel.Parallel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's float32 GEMM on the 1024^3 reference shape and the three GEMMs of an MLP layer
 * 784 -> 256 at batch 64 (shapes are m x k x n). GFLOP/s = 2 m n k / (seconds per op) / 1e9.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp 'bench/target/bitflex-bench.jar:bench/target/lib/*'
 * bitflex.bench.jmh.JmhMain GemmBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class GemmBenchmark {
    /** m x k x n, then "t" for transposed operands if any ("tA", "tB", "tAB"). */
    @Param({"1024x1024x1024", "64x784x256", "64x256x784", "784x64x256"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private GemmWorkload gemm;

    @Setup
    public void setUp() {
        String[] parts = shape.split("x|t");
        String flags = shape.contains("t") ? shape.substring(shape.indexOf('t')) : "";
        int m = Integer.parseInt(parts[0]);
        int k = Integer.parseInt(parts[1]);
        int n = Integer.parseInt(parts[2]);
        Parallel.setThreads(threads);
        gemm = GemmWorkload.create("float32",
                new GemmShape(m, n, k, flags.contains("A"), flags.contains("B")));
    }

    @Benchmark
    public void sgemm() {
        gemm.run();
    }
}

package bitflex.bench.jmh;

import bitflex.engine.fixed.gemm.Accumulator;
import bitflex.engine.fixed.gemm.IntGemm;
import bitflex.engine.parallel.Parallel;
import java.util.SplittableRandom;
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
 * Integer GEMM ({@link IntGemm}, 32-bit wrapping accumulator, full-range random operands) on the
 * same shapes as the float32 {@code GemmBenchmark} (m x k x n). GMAC/s = m n k / (seconds per op) / 1e9;
 * compare with float32's GFLOP/s / 2.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp 'bench/target/bitflex-bench.jar:bench/target/lib/*'
 * org.openjdk.jmh.Main IntGemmBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class IntGemmBenchmark {
    @Param({"1024x1024x1024", "64x784x256", "64x256x784", "784x64x256"})
    public String shape;

    @Param({"int8", "int16"})
    public String dtype;

    @Param({"1", "2"})
    public int threads;

    private int m;
    private int n;
    private int k;
    private byte[] a8;
    private byte[] b8;
    private short[] a16;
    private short[] b16;
    private int[] c;

    @Setup
    public void setUp() {
        String[] p = shape.split("x");
        m = Integer.parseInt(p[0]);
        k = Integer.parseInt(p[1]);
        n = Integer.parseInt(p[2]);
        Parallel.setThreads(threads);
        SplittableRandom r = new SplittableRandom(1);
        a8 = new byte[m * k];
        b8 = new byte[k * n];
        a16 = new short[m * k];
        b16 = new short[k * n];
        for (int i = 0; i < a8.length; i++) {
            a8[i] = (byte) r.nextInt();
            a16[i] = (short) r.nextInt();
        }
        for (int i = 0; i < b8.length; i++) {
            b8[i] = (byte) r.nextInt();
            b16[i] = (short) r.nextInt();
        }
        c = new int[m * n];
    }

    @Benchmark
    public int[] gemm() {
        if (dtype.equals("int8")) {
            IntGemm.gemm(false, false, m, n, k, a8, 0, k, b8, 0, n, c, 0, n, Accumulator.INT32);
        } else {
            IntGemm.gemm(false, false, m, n, k, a16, 0, k, b16, 0, n, c, 0, n, Accumulator.INT32);
        }
        return c;
    }
}

package bitflex.bench.jmh;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.Quantizer;
import bitflex.engine.fixed.Rounding;
import bitflex.engine.parallel.Parallel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Quantize throughput in elements per second (one JMH "op" is one element) for each rounding mode,
 * into int8 (WL 8, FL 5) and int16 (WL 16, FL 10) storage, saturating, plus fake-quantize and
 * dequantize, on 2^20 Gaussian floats.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp 'bench/target/bitflex-bench.jar:bench/target/lib/*'
 * org.openjdk.jmh.Main QuantizeBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class QuantizeBenchmark {
    static final int SIZE = 1 << 20;

    @Param({"NEAREST_EVEN", "NEAREST_AWAY", "TOWARD_ZERO", "FLOOR", "STOCHASTIC"})
    public Rounding rounding;

    @Param({"8", "16"})
    public int wordLength;

    @Param({"1"})
    public int threads;

    private float[] x;
    private Object storage;
    private float[] fake;
    private Quantizer q;

    @Setup
    public void setUp() {
        Parallel.setThreads(threads);
        SplittableRandom r = new SplittableRandom(3);
        x = new float[SIZE];
        for (int i = 0; i < SIZE; i++) {
            x[i] = (float) (r.nextDouble() * 8 - 4);
        }
        q = Quantizer.of(FixedPointFormat.signed(wordLength, wordLength == 8 ? 5 : 10)).withRounding(rounding).withSeed(1, 2);
        storage = q.format().storage().allocate(SIZE);
        fake = new float[SIZE];
    }

    @Benchmark
    @OperationsPerInvocation(SIZE)
    public Object quantize() {
        q.quantize("x", x, 0, storage, 0, SIZE, 0);
        return storage;
    }

    @Benchmark
    @OperationsPerInvocation(SIZE)
    public float[] fakeQuantize() {
        q.fakeQuantize("x", x, 0, fake, 0, SIZE, 0);
        return fake;
    }

    @Benchmark
    @OperationsPerInvocation(SIZE)
    public float[] dequantize() {
        Quantizer.dequantize(q.format(), storage, 0, fake, 0, SIZE);
        return fake;
    }
}

package bitflex.bench.jmh;

import bitflex.engine.parallel.Parallel;
import bitflex.engine.tensor.Functional;
import bitflex.engine.tensor.Tensor;
import bitflex.engine.tensor.Workspace;
import java.util.Random;
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
 * conv2d forward and forward+backward on the layer shapes of LeNet-5 and ResNet-20 (batch 64,
 * Fashion-MNIST sized inputs). Shape string: NxCxHxWxOxKxstridexpad (JMH splits parameters at commas).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ConvBenchmark {
    @Param({"64x1x28x28x6x5x1x2", "64x6x14x14x16x5x1x0", "64x16x28x28x16x3x1x1", "64x16x28x28x32x3x2x1"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private Tensor x;
    private Tensor w;
    private Tensor b;
    private Tensor upstream;
    private int stride;
    private int pad;

    @Setup
    public void setup() {
        int[] s = java.util.Arrays.stream(shape.split("x")).mapToInt(Integer::parseInt).toArray();
        Parallel.setThreads(threads);
        Random r = new Random(1);
        x = Tensor.randn(r, s[0], s[1], s[2], s[3]).requiresGrad(true);
        w = Tensor.randn(r, s[4], s[1], s[5], s[5]).requiresGrad(true);
        b = Tensor.randn(r, s[4]).requiresGrad(true);
        stride = s[6];
        pad = s[7];
        try (var g = Tensor.noGrad()) {
            upstream = Tensor.randn(r, Functional.conv2d(x, w, b, stride, pad).shape());
        }
    }

    @Benchmark
    public float forward() {
        try (var ws = Workspace.open(); var g = Tensor.noGrad()) {
            return Functional.conv2d(x, w, b, stride, pad).get(0, 0, 0, 0);
        }
    }

    @Benchmark
    public float forwardBackward() {
        try (var ws = Workspace.open()) {
            Functional.conv2d(x, w, b, stride, pad).backward(upstream);
            float v = w.grad().get(0, 0, 0, 0);
            x.zeroGrad();
            w.zeroGrad();
            b.zeroGrad();
            return v;
        }
    }
}

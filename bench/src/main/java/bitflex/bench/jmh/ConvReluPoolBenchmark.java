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
 * LeNet-5's two conv + ReLU + 2x2 max-pool blocks (batch 64, forward and backward): the fused op
 * against the two ops it replaces, in one run. Shape string: NxCxHxWxOxKxpad.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ConvReluPoolBenchmark {
    @Param({"64x1x28x28x6x5x2", "64x6x14x14x16x5x0"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private Tensor x;
    private Tensor w;
    private Tensor b;
    private Tensor upstream;
    private int pad;

    @Setup
    public void setup() {
        int[] s = java.util.Arrays.stream(shape.split("x")).mapToInt(Integer::parseInt).toArray();
        Parallel.setThreads(threads);
        Random r = new Random(1);
        // the first block's input needs no gradient (it is the image), the second's does
        x = Tensor.randn(r, s[0], s[1], s[2], s[3]).requiresGrad(s[1] > 1);
        w = Tensor.randn(r, s[4], s[1], s[5], s[5]).requiresGrad(true);
        b = Tensor.randn(r, s[4]).requiresGrad(true);
        pad = s[6];
        try (var g = Tensor.noGrad()) {
            upstream = Tensor.randn(r, Functional.conv2dReluMaxPool2x2(x, w, b, pad).shape());
        }
    }

    @Benchmark
    public float fused() {
        try (var ws = Workspace.open()) {
            Functional.conv2dReluMaxPool2x2(x, w, b, pad).backward(upstream);
            return clear();
        }
    }

    @Benchmark
    public float convThenReluPool() {
        try (var ws = Workspace.open()) {
            Functional.reluMaxPool2d(Functional.conv2d(x, w, b, 1, pad), 2, 2, 0).backward(upstream);
            return clear();
        }
    }

    private float clear() {
        float v = w.grad().get(0, 0, 0, 0);
        if (x.requiresGrad()) {
            x.zeroGrad();
        }
        w.zeroGrad();
        b.zeroGrad();
        return v;
    }
}

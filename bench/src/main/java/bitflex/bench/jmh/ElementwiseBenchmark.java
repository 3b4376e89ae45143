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

/** The main elementwise, reduction and softmax ops on a [rows, cols] tensor, results in pooled buffers. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ElementwiseBenchmark {
    @Param({"64x4096", "1024x1024"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private Tensor a;
    private Tensor b;
    private Tensor row;
    private Tensor logits;
    private int[] labels;

    @Setup
    public void setup() {
        String[] s = shape.split("x");
        int rows = Integer.parseInt(s[0]);
        int cols = Integer.parseInt(s[1]);
        Parallel.setThreads(threads);
        Random r = new Random(1);
        a = Tensor.randn(r, rows, cols);
        b = Tensor.randn(r, rows, cols);
        row = Tensor.randn(r, cols);
        logits = Tensor.randn(r, rows, 10);
        labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            labels[i] = r.nextInt(10);
        }
    }

    @Benchmark
    public float add() {
        try (var ws = Workspace.open()) {
            return a.add(b).get(0, 0);
        }
    }

    @Benchmark
    public float addRowBroadcast() {
        try (var ws = Workspace.open()) {
            return a.add(row).get(0, 0);
        }
    }

    @Benchmark
    public float mul() {
        try (var ws = Workspace.open()) {
            return a.mul(b).get(0, 0);
        }
    }

    @Benchmark
    public float relu() {
        try (var ws = Workspace.open()) {
            return a.relu().get(0, 0);
        }
    }

    @Benchmark
    public float exp() {
        try (var ws = Workspace.open()) {
            return a.exp().get(0, 0);
        }
    }

    @Benchmark
    public float tanh() {
        try (var ws = Workspace.open()) {
            return a.tanh().get(0, 0);
        }
    }

    @Benchmark
    public float sumAll() {
        return a.sum().item();
    }

    @Benchmark
    public float sumRows() {
        try (var ws = Workspace.open()) {
            return a.sum(1, false).get(0);
        }
    }

    @Benchmark
    public float sumColumns() {
        try (var ws = Workspace.open()) {
            return a.sum(0, false).get(0);
        }
    }

    @Benchmark
    public float softmax() {
        try (var ws = Workspace.open()) {
            return a.softmax(1).get(0, 0);
        }
    }

    @Benchmark
    public float crossEntropy() {
        try (var ws = Workspace.open()) {
            return Functional.crossEntropy(logits, labels).item();
        }
    }
}

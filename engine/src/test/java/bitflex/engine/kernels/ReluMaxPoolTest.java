package bitflex.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.autograd.GradCheck;
import bitflex.engine.parallel.Parallel;
import bitflex.engine.tensor.Functional;
import bitflex.engine.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fused ReLU + max pooling: against its scalar twin and against ReLU followed by max pooling (values
 * and input gradient bit for bit), finite differences, and 1 vs 2 threads.
 */
@Tag("simd")
class ReluMaxPoolTest {
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    @Test
    void kernelsMatchTwinAndComposite() {
        qt().withFixedSeed(47).withExamples(300).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = ConvPoolTwinTest.randomGeometry(r, true);
            int planes = 1 + r.nextInt(3);
            int in = planes * g.h() * g.w();
            int out = planes * g.positions();
            float[] x = ConvPoolTwinTest.values(r, in);
            for (int i = 0; i < in; i++) {
                int kind = r.nextInt(10);
                x[i] = kind == 0 ? -0.5f : kind == 1 ? 0f : kind == 2 ? -0f : x[i]; // ties, zeros, negative zero
            }
            if (r.nextInt(5) == 0) {
                x[r.nextInt(in)] = Float.NaN;
            }
            float[] y1 = new float[out];
            float[] y2 = new float[out];
            PoolKernels.reluMaxForward(x, g, 0, planes, y1);
            PoolKernelsScalar.reluMaxForward(x, g, 0, planes, y2);
            assertArrayEquals(y2, y1, g.toString());
            float[] relu = new float[in];
            for (int i = 0; i < in; i++) {
                relu[i] = Math.max(x[i], 0f);
            }
            float[] y3 = new float[out];
            PoolKernels.maxForward(relu, g, 0, planes, y3);
            assertArrayEquals(y3, y1, g.toString());

            float[] dy = ConvPoolTwinTest.values(r, out);
            float[] d1 = ConvPoolTwinTest.values(r, in);
            float[] d2 = ConvPoolTwinTest.values(r, in);
            PoolKernels.reluMaxBackward(x, y1, dy, g, 0, planes, d1);
            PoolKernelsScalar.reluMaxBackward(x, y2, dy, g, 0, planes, d2);
            assertArrayEquals(d2, d1, g.toString());
            float[] dPool = new float[in];
            PoolKernels.maxBackward(relu, y3, dy, g, 0, planes, dPool);
            float[] d3 = new float[in];
            FloatKernels.reluBackward(x, 0, dPool, 0, d3, 0, in);
            assertArrayEquals(d3, d1, g.toString());
        });
    }

    /** Distinct values at least 0.05 apart and 0.025 from zero, so h = 0.01 crosses no kink. */
    static Tensor spread(Random r, int... shape) {
        Tensor t = Tensor.randn(r, shape);
        int n = t.numel();
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int s = perm[i];
            perm[i] = perm[j];
            perm[j] = s;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (perm[i] - n / 2) * 0.05f + 0.025f;
        }
        return Tensor.of(v, shape);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        Random r = new Random(53);
        for (int trial = 0; trial < 4; trial++) {
            int k = 2 + r.nextInt(2), s = 1 + r.nextInt(2), pad = r.nextInt(k / 2 + 1);
            Tensor x = spread(r, 1 + r.nextInt(2), 1 + r.nextInt(2), k + r.nextInt(5), k + r.nextInt(5)).requiresGrad(true);
            GradCheck.check(t -> Functional.reluMaxPool2d(t[0], k, s, pad), x);
        }
    }

    @Test
    void functionalMatchesCompositeOnOneAndTwoThreads() {
        float[][] first = null;
        for (int threads = 1; threads <= 2; threads++) {
            Parallel.setThreads(threads);
            Random r = new Random(59);
            Tensor x = Tensor.randn(r, 33, 6, 28, 28).requiresGrad(true);
            Tensor g = Tensor.randn(r, 33, 6, 14, 14);
            Tensor y = Functional.reluMaxPool2d(x, 2, 2, 0);
            y.backward(g);
            float[] fusedY = y.toArray(), fusedDx = x.grad().toArray();
            Tensor x2 = Tensor.of(x.toArray(), x.shape()).requiresGrad(true);
            Tensor y2 = Functional.maxPool2d(x2.relu(), 2, 2, 0);
            y2.backward(g);
            assertArrayEquals(y2.toArray(), fusedY);
            assertArrayEquals(x2.grad().toArray(), fusedDx);
            if (first == null) {
                first = new float[][] {fusedY, fusedDx};
            } else {
                assertArrayEquals(first[0], fusedY);
                assertArrayEquals(first[1], fusedDx);
            }
        }
    }
}

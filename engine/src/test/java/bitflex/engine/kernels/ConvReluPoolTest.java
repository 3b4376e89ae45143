package bitflex.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.autograd.GradCheck;
import bitflex.engine.parallel.Parallel;
import bitflex.engine.tensor.Functional;
import bitflex.engine.tensor.Tensor;
import bitflex.engine.tensor.Workspace;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fused convolution + ReLU + 2x2 max pool against the two ops it replaces (conv2d, then
 * reluMaxPool2d, each tested against its scalar twin): pooled values and the gradients of x, w and b
 * bit for bit, on random geometries, ties and zeros, with and without bias, 1 and 2 threads; finite
 * differences; and the geometries it hands back to the two ops.
 */
@Tag("simd")
class ConvReluPoolTest {
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    @Test
    void matchesConvThenReluMaxPoolBitForBit() {
        qt().withFixedSeed(67).withExamples(120).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            Parallel.setThreads(1 + r.nextInt(2));
            // kernels from 2 (a 1x1 kernel never runs direct), outputs at least 2x2
            int k = 2 + r.nextInt(4), pad = r.nextInt(3), c = 1 + r.nextInt(4), o = 1 + r.nextInt(7);
            int h = Math.max(k + 1 - 2 * pad, 2) + r.nextInt(12), w = Math.max(k + 1 - 2 * pad, 2) + r.nextInt(12);
            int kk = k, pp = pad;
            int n = 1 + r.nextInt(3);
            float[] xv = ConvPoolTwinTest.values(r, n * c * h * w);
            for (int i = 0; i < xv.length; i++) {
                if (r.nextInt(8) == 0) {
                    xv[i] = r.nextBoolean() ? 0f : -0f; // zero outputs and ties inside windows
                }
            }
            float[] wv = ConvPoolTwinTest.values(r, o * c * k * k);
            float[] bv = r.nextBoolean() ? ConvPoolTwinTest.values(r, o) : null;
            Tensor[] fused = run(xv, wv, bv, n, c, h, w, o, k, true, t -> Functional.conv2dReluMaxPool2x2(t[0], t[1], t[2], pp));
            Tensor[] parts = run(xv, wv, bv, n, c, h, w, o, k, true,
                    t -> Functional.reluMaxPool2d(Functional.conv2d(t[0], t[1], t[2], 1, pp), 2, 2, 0));
            String what = "n=" + n + " c=" + c + " " + h + "x" + w + " o=" + o + " k=" + kk + " pad=" + pp + " bias=" + (bv != null);
            for (int i = 0; i < fused.length; i++) {
                if (parts[i] == null) {
                    continue;
                }
                assertArrayEquals(parts[i].toArray(), fused[i].toArray(), what + " result " + i);
            }
        });
    }

    /** y, then dx, dw, db of y.backward(upstream of ones * index pattern). */
    private static Tensor[] run(float[] xv, float[] wv, float[] bv, int n, int c, int h, int w, int o, int k, boolean grad,
                                java.util.function.Function<Tensor[], Tensor> op) {
        Tensor x = Tensor.of(xv.clone(), n, c, h, w).requiresGrad(grad);
        Tensor wt = Tensor.of(wv.clone(), o, c, k, k).requiresGrad(grad);
        Tensor b = bv == null ? null : Tensor.of(bv.clone(), o).requiresGrad(grad);
        try (var ws = Workspace.open()) {
            Tensor y = op.apply(new Tensor[] {x, wt, b});
            float[] g = new float[y.numel()];
            for (int i = 0; i < g.length; i++) {
                g[i] = (i % 7 - 3) * 0.25f;
            }
            y.backward(Tensor.of(g, y.shape()));
            return new Tensor[] {Tensor.of(y.toArray(), y.shape()), x.grad(), wt.grad(), b == null ? null : b.grad()};
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Random r = new Random(71);
        for (int trial = 0; trial < 3; trial++) {
            int pad = trial % 2;
            Tensor x = ReluMaxPoolTest.spread(r, 2, 2, 6 + r.nextInt(3), 6 + r.nextInt(3)).requiresGrad(true);
            Tensor w = Tensor.randn(r, 3, 2, 3, 3).mul(Tensor.scalar(0.3f)).requiresGrad(true);
            Tensor b = Tensor.randn(r, 3).mul(Tensor.scalar(0.1f)).requiresGrad(true);
            // a small step: a weight moves every output of its channel, so h = 0.01 would cross ReLU and max kinks
            GradCheck.check(t -> Functional.conv2dReluMaxPool2x2(t[0], t[1], t[2], pad), 1e-3, 2e-2, 2e-2, x, w, b);
        }
    }

    @Test
    void runsOnlyWhereTheDirectKernelRuns() {
        assertTrue(ConvReluPool2x2.applies(new ConvGeometry(1, 28, 28, 5, 5, 1, 1, 2, 2)));
        assertTrue(ConvReluPool2x2.applies(new ConvGeometry(6, 14, 14, 5, 5, 1, 1, 0, 0)));
        assertFalse(ConvReluPool2x2.applies(new ConvGeometry(6, 14, 14, 1, 1, 1, 1, 0, 0)), "1x1 kernel");
        assertFalse(ConvReluPool2x2.applies(new ConvGeometry(6, 14, 14, 3, 3, 2, 2, 1, 1)), "stride 2");
        assertFalse(ConvReluPool2x2.applies(new ConvGeometry(1, 5, 5, 5, 5, 1, 1, 0, 0)), "1x1 output");
    }
}

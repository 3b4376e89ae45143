package bitflex.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.tensor.Functional;
import bitflex.engine.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The samples-in-lanes forward: bit for bit the wide kernel's scalar twin (plain and fused with ReLU
 * and pooling), for any number of samples (partial groups), plane counts that use every block shape
 * (6, 4 and 1 planes) and odd position counts; each group writes only its samples.
 */
@Tag("simd")
class Conv2dLanesTest {
    private static final int VL = Conv2dLanes.VL;

    /** A geometry the lane kernel takes: 1..6 channels, kernels 1x2..5x5, padding 0..2, small planes. */
    static ConvGeometry smallGeometry(Random r) {
        while (true) {
            ConvGeometry g = Conv2dDirectMultiTest.randomGeometry(r, 14);
            if (g.c() <= 6 && Conv2dLanes.applies(g)) {
                return g;
            }
        }
    }

    private static float[] withZeros(Random r, int n) {
        float[] v = ConvPoolTwinTest.values(r, n);
        for (int i = 0; i < n; i++) {
            if (r.nextInt(10) == 0) {
                v[i] = r.nextBoolean() ? 0f : -0f;
            }
        }
        return v;
    }

    @Test
    void forwardMatchesScalarTwinBitForBit() {
        qt().withFixedSeed(71).withExamples(150).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = smallGeometry(r);
            int o = 1 + r.nextInt(14);
            int n = 1 + r.nextInt(2 * VL + 3);
            int xs = g.c() * g.h() * g.w(), ys = o * g.positions();
            float[] x = withZeros(r, n * xs);
            float[] w = withZeros(r, o * g.patch());
            float[] b = r.nextBoolean() ? ConvPoolTwinTest.values(r, o) : null;
            float[] lanes = new float[n * ys];
            for (int from = 0; from < n; from += VL) {
                Conv2dLanes.forwardGroup(x, from, Math.min(VL, n - from), g, w, o, b, lanes);
            }
            float[] twin = new float[n * ys];
            Conv2dDirectMultiScalar.forwardChunk(x, 0, n, g, w, o, b, twin);
            assertArrayEquals(twin, lanes, g + " o=" + o + " n=" + n);
        });
    }

    @Test
    void aGroupWritesOnlyItsSamples() {
        qt().withFixedSeed(73).withExamples(60).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = smallGeometry(r);
            int o = 1 + r.nextInt(8);
            int n = VL + 1 + r.nextInt(2 * VL);
            int ys = o * g.positions();
            float[] x = ConvPoolTwinTest.values(r, n * g.c() * g.h() * g.w());
            float[] w = ConvPoolTwinTest.values(r, o * g.patch());
            float[] y = new float[n * ys];
            Arrays.fill(y, Float.NaN);
            int cnt = Math.min(VL, n - VL);
            Conv2dLanes.forwardGroup(x, VL, cnt, g, w, o, null, y);
            for (int i = 0; i < y.length; i++) {
                boolean mine = i >= VL * ys && i < (VL + cnt) * ys;
                assertEquals(!mine, Float.isNaN(y[i]), g + " o=" + o + " index " + i);
            }
        });
    }

    @Test
    void fusedPoolMatchesTheWideKernel() {
        qt().withFixedSeed(79).withExamples(100).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = smallGeometry(r);
            if (g.oh() < 2 || g.ow() < 2) {
                return;
            }
            int o = 1 + r.nextInt(14);
            int n = 1 + r.nextInt(2 * VL + 3);
            float[] x = ConvPoolTwinTest.values(r, n * g.c() * g.h() * g.w());
            boolean sparse = r.nextBoolean();
            if (sparse) {
                // mostly zero inputs: whole windows of equal outputs (the bias, or 0), ties and non-positive maxima
                for (int i = 0; i < x.length; i++) {
                    if (r.nextInt(5) != 0) {
                        x[i] = r.nextBoolean() ? 0f : -0f;
                    }
                }
            }
            boolean poisoned = r.nextInt(4) == 0;
            if (poisoned) {
                // a few NaN inputs: NaN windows pool to NaN and have no winner, in both kernels
                for (int i = 1 + r.nextInt(3); i > 0; i--) {
                    x[r.nextInt(x.length)] = Float.NaN;
                }
            }
            float[] w = ConvPoolTwinTest.values(r, o * g.patch());
            float[] b = r.nextBoolean() ? ConvPoolTwinTest.values(r, o) : null;
            if (b != null && r.nextBoolean()) {
                b[r.nextInt(o)] = -0f; // with sparse inputs, outputs of -0: ReLU must give +0 in both
            }
            int pooled = n * o * (g.oh() / 2) * (g.ow() / 2), winners = ConvReluPool2x2.winnerInts(n, o, g);
            float[] p1 = new float[pooled], p2 = new float[pooled];
            boolean noWinners = r.nextInt(4) == 0;
            int[] w1 = noWinners ? null : new int[winners], w2 = new int[winners];
            // places nobody writes stay NaN / -1 and fail the comparison; groups run last to first, so
            // a group that wrote past its own samples would spoil values already written
            Arrays.fill(p1, Float.NaN);
            if (w1 != null) {
                Arrays.fill(w1, -1);
            }
            for (int from = (n - 1) / VL * VL; from >= 0; from -= VL) {
                Conv2dLanes.forwardGroupReluPool(x, from, Math.min(VL, n - from), g, w, o, b, p1, w1);
            }
            Conv2dDirectMulti.forwardChunkReluPool(x, 0, n, g, w, o, b, p2, w2);
            String what = g + " o=" + o + " n=" + n + " sparse=" + sparse + " poisoned=" + poisoned + " bias=" + (b != null);
            assertArrayEquals(p2, p1, what + " pooled");
            if (!noWinners) {
                assertArrayEquals(w2, w1, what + " winners");
            }
        });
    }

    @Test
    void inputGradientMatchesScalarTwinBitForBit() {
        qt().withFixedSeed(83).withExamples(150).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = smallGeometry(r);
            if (!Conv2dLanesInputGrad.applies(g)) {
                return;
            }
            int o = 1 + r.nextInt(8);
            int c = g.c();
            int n = 1 + r.nextInt(2 * VL + 3);
            int xs = c * g.h() * g.w();
            float[] dy = withZeros(r, n * o * g.positions());
            float[] w = withZeros(r, o * g.patch());
            float[] wt = Conv2dDirectMulti.turnedKernel(w, g, o);
            float[] lanes = new float[n * xs];
            Arrays.fill(lanes, Float.NaN);
            for (int from = 0; from < n; from += VL) {
                Conv2dLanesInputGrad.inputGradGroup(dy, from, Math.min(VL, n - from), g, wt, o, lanes);
            }
            float[] twin = new float[n * xs];
            Conv2dDirectMultiScalar.inputGradChunk(dy, 0, n, g, w, o, twin);
            assertArrayEquals(twin, lanes, g + " o=" + o + " n=" + n);
        });
    }

    @Test
    void inputGradientPlanesUseEveryBlockShape() {
        // 6 + 4 + 1 dX planes: the 11 input channels of one layer take all three block shapes
        ConvGeometry g = new ConvGeometry(11, 6, 5, 3, 3, 1, 1, 1, 0);
        assertTrue(Conv2dLanesInputGrad.applies(g));
        Random r = new Random(89);
        int o = 3, n = VL + 2;
        float[] dy = ConvPoolTwinTest.values(r, n * o * g.positions());
        float[] w = ConvPoolTwinTest.values(r, o * g.patch());
        float[] lanes = new float[n * g.c() * g.h() * g.w()], twin = new float[lanes.length];
        float[] wt = Conv2dDirectMulti.turnedKernel(w, g, o);
        for (int from = 0; from < n; from += VL) {
            Conv2dLanesInputGrad.inputGradGroup(dy, from, Math.min(VL, n - from), g, wt, o, lanes);
        }
        Conv2dDirectMultiScalar.inputGradChunk(dy, 0, n, g, w, o, twin);
        assertArrayEquals(twin, lanes);
    }

    @Test
    void convolutionBackwardGivesTheTwinsInputGradientBitForBit() {
        // through the public op, as training runs it: LeNet-5's conv2 and a padded conv1-like layer
        for (ConvGeometry g : new ConvGeometry[] {new ConvGeometry(6, 14, 14, 5, 5, 1, 1, 0, 0),
                new ConvGeometry(1, 12, 12, 5, 5, 1, 1, 2, 2)}) {
            assertTrue(Conv2dLanesInputGrad.applies(g));
            Random r = new Random(107);
            int n = VL + 3, o = 5;
            Tensor x = Tensor.randn(r, n, g.c(), g.h(), g.w()).requiresGrad(true);
            Tensor w = Tensor.randn(r, o, g.c(), g.kh(), g.kw());
            Tensor y = Functional.conv2d(x, w, null, 1, g.padH());
            Tensor dy = Tensor.randn(r, y.shape());
            y.backward(dy);
            float[] twin = new float[n * g.c() * g.h() * g.w()];
            Conv2dDirectMultiScalar.inputGradChunk(dy.toArray(), 0, n, g, w.toArray(), o, twin);
            assertArrayEquals(twin, x.grad().toArray(), g.toString());
        }
    }

    @Test
    void takesLeNetLayersAndLeavesResNetsToTheWideGrid() {
        assertTrue(Conv2dLanes.applies(new ConvGeometry(1, 28, 28, 5, 5, 1, 1, 2, 2)));
        assertTrue(Conv2dLanes.applies(new ConvGeometry(6, 14, 14, 5, 5, 1, 1, 0, 0)));
        assertFalse(Conv2dLanes.applies(new ConvGeometry(16, 28, 28, 3, 3, 1, 1, 1, 1)));
        assertFalse(Conv2dLanes.applies(new ConvGeometry(64, 7, 7, 3, 3, 1, 1, 1, 1)));
        assertFalse(Conv2dLanes.applies(new ConvGeometry(6, 14, 14, 5, 5, 2, 2, 0, 0)), "stride 2");
        assertTrue(Conv2dLanesInputGrad.applies(new ConvGeometry(6, 14, 14, 5, 5, 1, 1, 0, 0)));
        assertFalse(Conv2dLanesInputGrad.applies(new ConvGeometry(2, 8, 8, 3, 3, 1, 1, 3, 3)), "padding past the kernel");
    }
}

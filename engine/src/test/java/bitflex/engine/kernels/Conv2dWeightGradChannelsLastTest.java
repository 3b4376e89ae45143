package bitflex.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.parallel.Parallel;
import bitflex.engine.tensor.Functional;
import bitflex.engine.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The channels-last weight gradient: bit for bit its scalar twin (plain and accumulating, padded and
 * not, any batch size including 0, one and two channel-vector pairs), the twin within rounding of a
 * double-precision reference, and the kernel the convolution's backward pass actually takes for
 * LeNet-5's conv2 at 4 and 8 lanes.
 */
@Tag("simd")
class Conv2dWeightGradChannelsLastTest {
    private static final int VL = Conv2dLanes.VL;
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    /** A geometry the kernel takes: 1..6 channels, kernels 1x5..5x5, padding 0..2, small planes. */
    private static ConvGeometry geometry(Random r) {
        while (true) {
            int kh = 1 + r.nextInt(5), ph = r.nextInt(3), pw = r.nextInt(3);
            int h = Math.max(1, kh - 2 * ph + r.nextInt(10)), w = Math.max(1, 5 - 2 * pw + r.nextInt(10));
            ConvGeometry g = new ConvGeometry(1 + r.nextInt(6), h, w, kh, 5, 1, 1, ph, pw);
            if (Conv2dWeightGradChannelsLast.applies(g, 2 * VL)) {
                return g;
            }
        }
    }

    @Test
    void matchesScalarTwinBitForBit() {
        qt().withFixedSeed(97).withExamples(120).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = geometry(r);
            int o = 2 * VL * (1 + r.nextInt(2));
            int n = r.nextInt(2 * VL + 3);
            boolean add = r.nextBoolean();
            float[] x = ConvPoolTwinTest.values(r, n * g.c() * g.h() * g.w());
            float[] dy = ConvPoolTwinTest.values(r, n * o * g.positions());
            float[] simd = ConvPoolTwinTest.values(r, o * g.patch()), twin = simd.clone();
            Parallel.setThreads(1 + r.nextInt(2));
            Conv2dWeightGradChannelsLast.weightGrad(x, n, g, dy, o, simd, add);
            Conv2dWeightGradChannelsLast.weightGradScalar(x, n, g, dy, o, twin, add);
            assertArrayEquals(twin, simd, g + " o=" + o + " n=" + n + " add=" + add);
        });
    }

    @Test
    void scalarTwinIsTheWeightGradientWithinRounding() {
        Random r = new Random(101);
        for (int trial = 0; trial < 30; trial++) {
            ConvGeometry g = geometry(r);
            int o = 1 + r.nextInt(5), n = 1 + r.nextInt(4), c = g.c(), h = g.h(), w = g.w();
            float[] x = ConvPoolTwinTest.values(r, n * c * h * w);
            float[] dy = ConvPoolTwinTest.values(r, n * o * g.positions());
            float[] dw = new float[o * g.patch()];
            Conv2dWeightGradChannelsLast.weightGradScalar(x, n, g, dy, o, dw, false);
            for (int k = 0; k < o; k++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int i = 0; i < g.kh(); i++) {
                        for (int j = 0; j < g.kw(); j++) {
                            double acc = 0, abs = 0;
                            for (int s = 0; s < n; s++) {
                                for (int y = 0; y < g.oh(); y++) {
                                    for (int xx = 0; xx < g.ow(); xx++) {
                                        int row = y + i - g.padH(), col = xx + j - g.padW();
                                        if (row >= 0 && row < h && col >= 0 && col < w) {
                                            double t = (double) dy[((s * o + k) * g.oh() + y) * g.ow() + xx]
                                                    * x[((s * c + ch) * h + row) * w + col];
                                            acc += t;
                                            abs += Math.abs(t);
                                        }
                                    }
                                }
                            }
                            float got = dw[((k * c + ch) * g.kh() + i) * g.kw() + j];
                            double bound = (n * g.positions() + 1) * 0x1p-24 * abs + 1e-30;
                            assertTrue(Math.abs(got - acc) <= bound, g + " dw " + got + " vs " + acc);
                        }
                    }
                }
            }
        }
    }

    @Test
    void leNetConv2BackwardTakesThisKernel() {
        ConvGeometry conv2 = new ConvGeometry(6, 14, 14, 5, 5, 1, 1, 0, 0);
        boolean taken = Conv2dWeightGradChannelsLast.applies(conv2, 16);
        assertEquals(VL <= 8, taken, "16 channels are whole pairs of vectors at 4 and 8 lanes");
        assumeTrue(taken, "16 lanes: conv2 keeps the wide grid");
        Random r = new Random(103);
        int n = 9;
        Tensor x = Tensor.randn(r, n, 6, 14, 14);
        Tensor w = Tensor.randn(r, 16, 6, 5, 5).requiresGrad(true);
        Tensor y = Functional.conv2d(x, w, null, 1, 0);
        Tensor dy = Tensor.randn(r, y.shape());
        y.backward(dy);
        float[] twin = new float[16 * conv2.patch()];
        Conv2dWeightGradChannelsLast.weightGradScalar(x.toArray(), n, conv2, dy.toArray(), 16, twin, false);
        assertArrayEquals(twin, w.grad().toArray());
    }

    @Test
    void takesOnlyFiveWideKernelsAndWholePairsOfChannelVectors() {
        ConvGeometry conv2 = new ConvGeometry(6, 14, 14, 5, 5, 1, 1, 0, 0);
        assertTrue(Conv2dWeightGradChannelsLast.applies(conv2, 2 * VL));
        assertFalse(Conv2dWeightGradChannelsLast.applies(conv2, 2 * VL + 1), "a partial pair");
        assertFalse(Conv2dWeightGradChannelsLast.applies(conv2, VL), "one channel vector");
        assertFalse(Conv2dWeightGradChannelsLast.applies(new ConvGeometry(6, 14, 14, 3, 3, 1, 1, 0, 0), 2 * VL), "3x3");
        assertFalse(Conv2dWeightGradChannelsLast.applies(new ConvGeometry(6, 14, 14, 5, 5, 2, 2, 0, 0), 2 * VL), "stride 2");
        assertFalse(Conv2dWeightGradChannelsLast.applies(new ConvGeometry(16, 28, 28, 5, 5, 1, 1, 2, 2), 2 * VL),
                "too many pixels for the lane forward");
    }
}

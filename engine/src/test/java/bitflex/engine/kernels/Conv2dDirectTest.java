package bitflex.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
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
 * The direct convolution with one input channel (LeNet's first layer): bit for bit against its scalar twin, against the im2col path
 * and a double reference within the float summation bound, finite differences, and 1 vs 2 threads.
 */
@Tag("simd")
class Conv2dDirectTest {
    private static final double U = 0x1p-24;
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    /** One channel, stride 1, kernels up to 6x6 (never 1x1), padding up to 2, sizes with every tail. */
    static ConvGeometry randomGeometry(Random r) {
        int kh = 1 + r.nextInt(6);
        int kw = kh == 1 ? 2 + r.nextInt(5) : 1 + r.nextInt(6);
        int ph = r.nextInt(3), pw = r.nextInt(3);
        int h = Math.max(1, kh - 2 * ph + r.nextInt(33));
        int w = Math.max(1, kw - 2 * pw + r.nextInt(33));
        return new ConvGeometry(1, h, w, kh, kw, 1, 1, ph, pw);
    }

    @Test
    void matchesScalarTwinBitForBit() {
        qt().withFixedSeed(31).withExamples(200).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = randomGeometry(r);
            int o = 1 + r.nextInt(7);
            int cnt = 1 + r.nextInt(3);
            int from = r.nextInt(2);
            int n = from + cnt;
            int xs = g.h() * g.w(), ys = o * g.positions();
            float[] x = ConvPoolTwinTest.values(r, n * xs);
            float[] w = ConvPoolTwinTest.values(r, o * g.kh() * g.kw());
            float[] b = r.nextBoolean() ? ConvPoolTwinTest.values(r, o) : null;
            float[] y1 = new float[n * ys];
            float[] y2 = new float[n * ys];
            Conv2dDirectMulti.forwardChunk(x, 0, n, g, w, o, b, y1);
            Conv2dDirectMultiScalar.forwardChunk(x, 0, n, g, w, o, b, y2);
            assertArrayEquals(y2, y1, g.toString());
            float[] dy = ConvPoolTwinTest.values(r, n * ys);
            int kk = g.kh() * g.kw();
            float[] d1 = new float[o * kk + 3];
            float[] d2 = new float[o * kk + 3];
            Conv2dDirectWeightGrad.chunkWeightGrad(x, from, cnt, g, dy, o, d1, 3);
            Conv2dDirectMultiScalar.chunkWeightGrad(x, from, cnt, g, dy, o, d2, 3, Conv2dDirect.VL);
            assertArrayEquals(d2, d1, g.toString());
        });
    }

    @Test
    void agreesWithIm2colAndDoubleReference() {
        qt().withFixedSeed(37).withExamples(60).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = randomGeometry(r);
            int o = 1 + r.nextInt(7);
            int n = r.nextInt(6);
            int kh = g.kh(), kw = g.kw(), kk = kh * kw, oh = g.oh(), ow = g.ow(), p = g.positions();
            float[] x = ConvPoolTwinTest.values(r, n * g.h() * g.w());
            float[] w = ConvPoolTwinTest.values(r, o * kk);
            float[] b = ConvPoolTwinTest.values(r, o);
            float[] yd = new float[n * o * p];
            float[] yi = new float[n * o * p];
            Conv2dKernel.forward(x, n, g, w, o, b, yd, null);
            Conv2dKernel.forwardIm2col(x, n, g, w, o, b, yi, null);
            float[] dy = ConvPoolTwinTest.values(r, n * o * p);
            float[] dwd = new float[o * kk];
            float[] dwi = new float[o * kk];
            Conv2dKernel.backward(x, n, g, w, o, dy, null, dwd, null, null, false, false, true, false);
            Conv2dKernel.backward(x, n, g, w, o, dy, null, dwi, null, null, false, false, false, false);
            double[] refW = new double[o * kk];
            double[] absW = new double[o * kk];
            for (int s = 0; s < n; s++) {
                for (int k = 0; k < o; k++) {
                    for (int yy = 0; yy < oh; yy++) {
                        for (int xx = 0; xx < ow; xx++) {
                            int out = ((s * o + k) * oh + yy) * ow + xx;
                            double acc = b[k], abs = Math.abs(acc);
                            for (int i = 0; i < kh; i++) {
                                for (int j = 0; j < kw; j++) {
                                    int ih = yy - g.padH() + i, iw = xx - g.padW() + j;
                                    if (ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w()) {
                                        double xv = x[(s * g.h() + ih) * g.w() + iw];
                                        double t = xv * w[k * kk + i * kw + j];
                                        acc += t;
                                        abs += Math.abs(t);
                                        double gt = xv * dy[out];
                                        refW[k * kk + i * kw + j] += gt;
                                        absW[k * kk + i * kw + j] += Math.abs(gt);
                                    }
                                }
                            }
                            // kk products summed, then the bias: at most (kk + 1) roundings of partial sums
                            double bound = (kk + 2) * U * abs + 1e-30;
                            assertTrue(Math.abs(yd[out] - acc) <= bound, g + " forward " + yd[out] + " vs " + acc);
                            assertTrue(Math.abs(yd[out] - yi[out]) <= 2 * bound, g + " forward vs im2col " + yd[out] + " vs " + yi[out]);
                        }
                    }
                }
            }
            Conv2dDirectMultiTest.assertWeightGradientWithinBounds(g, n, o * kk, dwd, dwi, refW, absW);
        });
    }

    @Test
    void weightAndBiasGradientsMatchFiniteDifferences() {
        Random r = new Random(41);
        for (int trial = 0; trial < 4; trial++) {
            int n = 1 + r.nextInt(3), o = 1 + r.nextInt(4), k = 2 + r.nextInt(3), pad = r.nextInt(3);
            Tensor x = Tensor.randn(r, n, 1, k + r.nextInt(7), k + r.nextInt(7)); // no grad: the direct path
            GradCheck.check(t -> Functional.conv2d(x, t[0], t[1], 1, pad),
                    Tensor.randn(r, o, 1, k, k).requiresGrad(true), Tensor.randn(r, o).requiresGrad(true));
        }
    }

    @Test
    void oneAndTwoThreadsAreBitIdentical() {
        float[][] one = null;
        for (int threads = 1; threads <= 2; threads++) {
            Parallel.setThreads(threads);
            Random r = new Random(43);
            Tensor x = Tensor.randn(r, 37, 1, 28, 28);
            Tensor w = Tensor.randn(r, 6, 1, 5, 5).requiresGrad(true);
            Tensor b = Tensor.randn(r, 6).requiresGrad(true);
            Tensor y = Functional.conv2d(x, w, b, 1, 2);
            y.backward(Tensor.randn(r, y.shape()));
            float[][] got = {y.toArray(), w.grad().toArray(), b.grad().toArray()};
            if (one == null) {
                one = got;
            } else {
                for (int i = 0; i < got.length; i++) {
                    assertArrayEquals(one[i], got[i]);
                }
            }
        }
    }

    @Test
    void directKernelsRefuseAStridedLayer() {
        ConvGeometry g = new ConvGeometry(1, 4, 4, 3, 3, 2, 2, 0, 0);
        float[] x = new float[16];
        assertThrows(IllegalArgumentException.class, () -> Conv2dKernel.backward(x, 1, g, new float[9], 1, new float[1],
                null, new float[9], null, null, false, false, true, false));
        assertThrows(IllegalArgumentException.class, () -> Conv2dKernel.forward(x, 1, g, new float[9], 1, null, new float[1], null, true));
    }
}

package bitflex.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * The direct multi-channel convolution: forward, input and weight gradient bit for bit against the
 * scalar twin, against im2col + GEMM and a double reference within the float summation bound, finite
 * differences through {@link Functional#conv2d}, and 1 vs 2 threads.
 */
@Tag("simd")
class Conv2dDirectMultiTest {
    private static final double U = 0x1p-24;
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    /** 1..8 channels, stride 1, kernels 1x2..6x6 (never 1x1), padding 0..2, sizes from 1 with every tail. */
    static ConvGeometry randomGeometry(Random r, int maxExtra) {
        int kh = 1 + r.nextInt(6);
        int kw = kh == 1 ? 2 + r.nextInt(5) : 1 + r.nextInt(6);
        int ph = r.nextInt(3), pw = r.nextInt(3);
        int h = Math.max(1, kh - 2 * ph + r.nextInt(maxExtra));
        int w = Math.max(1, kw - 2 * pw + r.nextInt(maxExtra));
        return new ConvGeometry(1 + r.nextInt(8), h, w, kh, kw, 1, 1, ph, pw);
    }

    @Test
    void matchesScalarTwinBitForBit() {
        qt().withFixedSeed(53).withExamples(150).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = randomGeometry(r, 24);
            int o = 1 + r.nextInt(9);
            int cnt = 1 + r.nextInt(3);
            int from = r.nextInt(2);
            int n = from + cnt;
            int xs = g.c() * g.h() * g.w(), ys = o * g.positions(), ckk = g.patch();
            float[] x = ConvPoolTwinTest.values(r, n * xs);
            float[] w = ConvPoolTwinTest.values(r, o * ckk);
            float[] b = r.nextBoolean() ? ConvPoolTwinTest.values(r, o) : null;
            float[] y1 = new float[n * ys];
            float[] y2 = new float[n * ys];
            Conv2dDirectMulti.forwardChunk(x, from, cnt, g, w, o, b, y1);
            Conv2dDirectMultiScalar.forwardChunk(x, from, cnt, g, w, o, b, y2);
            assertArrayEquals(y2, y1, g + " forward");
            float[] dy = ConvPoolTwinTest.values(r, n * ys);
            float[] dx1 = new float[n * xs];
            float[] dx2 = new float[n * xs];
            Conv2dDirectMulti.inputGradChunk(dy, from, cnt, g, Conv2dDirectMulti.turnedKernel(w, g, o), o, dx1);
            Conv2dDirectMultiScalar.inputGradChunk(dy, from, cnt, g, w, o, dx2);
            assertArrayEquals(dx2, dx1, g + " input gradient");
            float[] d1 = new float[o * ckk + 3];
            float[] d2 = new float[o * ckk + 3];
            Conv2dDirectWeightGrad.chunkWeightGrad(x, from, cnt, g, dy, o, d1, 3);
            Conv2dDirectMultiScalar.chunkWeightGrad(x, from, cnt, g, dy, o, d2, 3, Conv2dDirect.VL);
            assertArrayEquals(d2, d1, g + " weight gradient");
        });
    }

    @Test
    void unwidenWritesItsSampleAndNothingAround() {
        qt().withFixedSeed(61).withExamples(200).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = randomGeometry(r, 24);
            int o = 1 + r.nextInt(5);
            int ys = o * g.positions(), before = r.nextInt(40), after = r.nextInt(3);
            float[] wide = ConvPoolTwinTest.values(r, o * Conv2dDirect.wideLength(g));
            float[] b = r.nextBoolean() ? ConvPoolTwinTest.values(r, o) : null;
            float[] y1 = new float[before + ys + after];
            java.util.Arrays.fill(y1, Float.NaN);
            float[] y2 = y1.clone();
            Conv2dDirect.unwiden(wide, g, o, b, y1, before);
            Conv2dDirectMultiScalar.unwiden(wide, g, o, b, y2, before);
            assertArrayEquals(y2, y1, g + " o=" + o + " at " + before);
        });
    }

    @Test
    void agreesWithIm2colAndDoubleReference() {
        qt().withFixedSeed(59).withExamples(50).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = randomGeometry(r, 16);
            int o = 1 + r.nextInt(9);
            int n = r.nextInt(5);
            int c = g.c(), h = g.h(), wd = g.w(), kh = g.kh(), kw = g.kw(), kk = kh * kw, ckk = g.patch();
            int oh = g.oh(), ow = g.ow(), p = g.positions();
            float[] x = ConvPoolTwinTest.values(r, n * c * h * wd);
            float[] w = ConvPoolTwinTest.values(r, o * ckk);
            float[] b = ConvPoolTwinTest.values(r, o);
            float[] yd = new float[n * o * p];
            float[] yi = new float[n * o * p];
            Conv2dKernel.forward(x, n, g, w, o, b, yd, null, true);
            Conv2dKernel.forward(x, n, g, w, o, b, yi, null, false);
            float[] dy = ConvPoolTwinTest.values(r, n * o * p);
            float[] dwd = new float[o * ckk], dwi = new float[o * ckk];
            float[] dxd = new float[x.length], dxi = new float[x.length];
            Conv2dKernel.backward(x, n, g, w, o, dy, dxd, dwd, null, null, false, false, true, true);
            Conv2dKernel.backward(x, n, g, w, o, dy, dxi, dwi, null, null, false, false, false, false);
            double[] refW = new double[o * ckk], absW = new double[o * ckk];
            double[] refX = new double[x.length], absX = new double[x.length];
            for (int s = 0; s < n; s++) {
                for (int k = 0; k < o; k++) {
                    for (int yy = 0; yy < oh; yy++) {
                        for (int xx = 0; xx < ow; xx++) {
                            int out = ((s * o + k) * oh + yy) * ow + xx;
                            double acc = b[k], abs = Math.abs(acc);
                            for (int ch = 0; ch < c; ch++) {
                                for (int i = 0; i < kh; i++) {
                                    for (int j = 0; j < kw; j++) {
                                        int ih = yy - g.padH() + i, iw = xx - g.padW() + j;
                                        if (ih >= 0 && ih < h && iw >= 0 && iw < wd) {
                                            int xi = ((s * c + ch) * h + ih) * wd + iw, wi = (k * c + ch) * kk + i * kw + j;
                                            double t = (double) x[xi] * w[wi];
                                            acc += t;
                                            abs += Math.abs(t);
                                            double gw = (double) x[xi] * dy[out];
                                            refW[wi] += gw;
                                            absW[wi] += Math.abs(gw);
                                            double gx = (double) w[wi] * dy[out];
                                            refX[xi] += gx;
                                            absX[xi] += Math.abs(gx);
                                        }
                                    }
                                }
                            }
                            // C*KK products summed, then the bias: at most C*KK + 1 roundings of partial sums
                            double bound = (ckk + 2) * U * abs + 1e-30;
                            assertTrue(Math.abs(yd[out] - acc) <= bound, g + " forward " + yd[out] + " vs " + acc);
                            assertTrue(Math.abs(yd[out] - yi[out]) <= 2 * bound, g + " forward vs im2col " + yd[out] + " vs " + yi[out]);
                        }
                    }
                }
            }
            for (int e = 0; e < x.length; e++) {
                // at most O*KK products per pixel, each sum rounded once (direct and col2im alike)
                double bound = (o * kk + 2) * U * absX[e] + 1e-30;
                assertTrue(Math.abs(dxd[e] - refX[e]) <= bound, g + " dx " + dxd[e] + " vs " + refX[e]);
                assertTrue(Math.abs(dxd[e] - dxi[e]) <= 2 * bound, g + " dx vs col2im " + dxd[e] + " vs " + dxi[e]);
            }
            assertWeightGradientWithinBounds(g, n, o * ckk, dwd, dwi, refW, absW);
        });
    }

    /**
     * The direct weight gradient against the double reference and the im2col GEMM: each lane sums its
     * share by fma, then the VL lanes, then the chunks are added; GEMM has at most n * P products per
     * entry, in some order.
     */
    static void assertWeightGradientWithinBounds(ConvGeometry g, int n, int entries, float[] dwd, float[] dwi,
                                                 double[] refW, double[] absW) {
        int per = Conv2dKernel.samplesPerChunk(n, g);
        int chunks = Math.max(1, (n + per - 1) / per);
        int lanesDeep = n * Conv2dDirect.wideLength(g) / Conv2dDirect.VL;
        for (int e = 0; e < entries; e++) {
            double direct = (lanesDeep + Conv2dDirect.VL + chunks + 2) * U * absW[e] + 1e-30;
            double gemm = ((double) n * g.positions() + chunks + 2) * U * absW[e] + 1e-30;
            assertTrue(Math.abs(dwd[e] - refW[e]) <= direct, g + " dw " + dwd[e] + " vs " + refW[e]);
            assertTrue(Math.abs(dwd[e] - dwi[e]) <= direct + gemm, g + " dw vs im2col " + dwd[e] + " vs " + dwi[e]);
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Random r = new Random(61);
        for (int trial = 0; trial < 4; trial++) {
            int n = 1 + r.nextInt(2), c = 2 + r.nextInt(3), o = 1 + r.nextInt(5), k = 2 + r.nextInt(3), pad = r.nextInt(3);
            ConvGeometry g = new ConvGeometry(c, k + 2, k + 3, k, k, 1, 1, pad, pad);
            assertTrue(Conv2dKernel.prefersDirect(g), g + " must take the direct path");
            GradCheck.check(t -> Functional.conv2d(t[0], t[1], t[2], 1, pad),
                    Tensor.randn(r, n, c, k + 2, k + 3).requiresGrad(true),
                    Tensor.randn(r, o, c, k, k).requiresGrad(true), Tensor.randn(r, o).requiresGrad(true));
        }
    }

    @Test
    void oneAndTwoThreadsAreBitIdentical() {
        int[][] cases = {{37, 6, 14, 14, 16, 5, 0}, {9, 16, 12, 12, 16, 3, 1}, {21, 8, 7, 7, 10, 3, 1}};
        for (int[] cs : cases) {
            float[][] one = null;
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                Random r = new Random(43);
                Tensor x = Tensor.randn(r, cs[0], cs[1], cs[2], cs[3]).requiresGrad(true);
                Tensor w = Tensor.randn(r, cs[4], cs[1], cs[5], cs[5]).requiresGrad(true);
                Tensor b = Tensor.randn(r, cs[4]).requiresGrad(true);
                Tensor y = Functional.conv2d(x, w, b, 1, cs[6]);
                y.backward(Tensor.randn(r, y.shape()));
                float[][] got = {y.toArray(), x.grad().toArray(), w.grad().toArray(), b.grad().toArray()};
                if (one == null) {
                    one = got;
                } else {
                    for (int i = 0; i < got.length; i++) {
                        assertArrayEquals(one[i], got[i]);
                    }
                }
            }
        }
    }
}

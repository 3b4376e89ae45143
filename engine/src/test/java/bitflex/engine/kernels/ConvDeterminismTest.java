package bitflex.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.parallel.Parallel;
import bitflex.engine.tensor.Functional;
import bitflex.engine.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Convolution: values against a direct double-precision convolution, and bit-identical outputs and
 * gradients for 1 and 2 threads.
 */
@Tag("simd")
class ConvDeterminismTest {
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
        Conv2dKernel.setColumnCacheFloats(1L << 22);
    }

    record Result(float[] y, float[] dx, float[] dw, float[] db) {}

    static Result run(long seed, int n, int c, int h, int w, int o, int k, int stride, int pad) {
        Random r = new Random(seed);
        Tensor x = Tensor.randn(r, n, c, h, w).requiresGrad(true);
        Tensor wt = Tensor.randn(r, o, c, k, k).requiresGrad(true);
        Tensor b = Tensor.randn(r, o).requiresGrad(true);
        Tensor y = Functional.conv2d(x, wt, b, stride, pad);
        Tensor g = Tensor.randn(r, y.shape());
        y.backward(g);
        return new Result(y.toArray(), x.grad().toArray(), wt.grad().toArray(), b.grad().toArray());
    }

    @Test
    void oneAndTwoThreadsAreBitIdentical() {
        int[][] cases = {{19, 3, 12, 11, 5, 3, 1, 1}, {64, 1, 28, 28, 6, 5, 1, 0}, {7, 4, 9, 9, 8, 1, 1, 0}, {10, 2, 8, 8, 3, 3, 2, 1}};
        for (int[] cs : cases) {
            Parallel.setThreads(1);
            Result one = run(99, cs[0], cs[1], cs[2], cs[3], cs[4], cs[5], cs[6], cs[7]);
            Parallel.setThreads(2);
            Result two = run(99, cs[0], cs[1], cs[2], cs[3], cs[4], cs[5], cs[6], cs[7]);
            assertArrayEquals(one.y, two.y);
            assertArrayEquals(one.dx, two.dx);
            assertArrayEquals(one.dw, two.dw);
            assertArrayEquals(one.db, two.db);
            Conv2dKernel.setColumnCacheFloats(0); // recomputed columns give the same bits as kept ones
            Result recomputed = run(99, cs[0], cs[1], cs[2], cs[3], cs[4], cs[5], cs[6], cs[7]);
            Conv2dKernel.setColumnCacheFloats(1L << 22);
            assertArrayEquals(one.y, recomputed.y);
            assertArrayEquals(one.dx, recomputed.dx);
            assertArrayEquals(one.dw, recomputed.dw);
        }
    }

    @Test
    void matchesDirectConvolutionInDouble() {
        Random r = new Random(5);
        for (int trial = 0; trial < 20; trial++) {
            int n = 1 + r.nextInt(9), c = 1 + r.nextInt(3), o = 1 + r.nextInt(4), k = 1 + r.nextInt(4);
            int s = 1 + r.nextInt(2), p = r.nextInt(2);
            int h = k + r.nextInt(6), w = k + r.nextInt(6);
            Tensor x = Tensor.randn(r, n, c, h, w);
            Tensor wt = Tensor.randn(r, o, c, k, k);
            Tensor b = Tensor.randn(r, o);
            Tensor y = Functional.conv2d(x, wt, b, s, p);
            int oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1;
            for (int i = 0; i < n; i++) {
                for (int q = 0; q < o; q++) {
                    for (int yy = 0; yy < oh; yy++) {
                        for (int xx = 0; xx < ow; xx++) {
                            double acc = b.get(q);
                            double abs = Math.abs(acc);
                            for (int ch = 0; ch < c; ch++) {
                                for (int a = 0; a < k; a++) {
                                    for (int bb = 0; bb < k; bb++) {
                                        int ih = yy * s - p + a, iw = xx * s - p + bb;
                                        if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                            double t = (double) x.get(i, ch, ih, iw) * wt.get(q, ch, a, bb);
                                            acc += t;
                                            abs += Math.abs(t);
                                        }
                                    }
                                }
                            }
                            float got = y.get(i, q, yy, xx);
                            double bound = (c * k * k + 2) * 0x1p-24 * abs + 1e-30;
                            assertTrue(Math.abs(got - acc) <= bound, "conv " + got + " vs " + acc);
                        }
                    }
                }
            }
        }
    }
}

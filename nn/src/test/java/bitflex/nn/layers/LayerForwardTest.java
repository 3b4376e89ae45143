package bitflex.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import bitflex.engine.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Layer outputs against straightforward double-precision loops written from the definitions. */
@Tag("simd")
class LayerForwardTest {
    static double[] conv(float[] x, int n, int c, int h, int w, float[] wt, int o, int k, float[] b, int stride, int pad) {
        int ho = (h + 2 * pad - k) / stride + 1;
        int wo = (w + 2 * pad - k) / stride + 1;
        double[] y = new double[n * o * ho * wo];
        for (int ni = 0; ni < n; ni++) {
            for (int oi = 0; oi < o; oi++) {
                for (int yi = 0; yi < ho; yi++) {
                    for (int xi = 0; xi < wo; xi++) {
                        double s = b == null ? 0 : b[oi];
                        for (int ci = 0; ci < c; ci++) {
                            for (int ki = 0; ki < k; ki++) {
                                for (int kj = 0; kj < k; kj++) {
                                    int iy = yi * stride + ki - pad;
                                    int ix = xi * stride + kj - pad;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                        s += (double) x[((ni * c + ci) * h + iy) * w + ix] * wt[((oi * c + ci) * k + ki) * k + kj];
                                    }
                                }
                            }
                        }
                        y[((ni * o + oi) * ho + yi) * wo + xi] = s;
                    }
                }
            }
        }
        return y;
    }

    private static void close(double[] expect, Tensor got, double tol) {
        float[] g = got.toArray();
        assertEquals(expect.length, g.length);
        for (int i = 0; i < g.length; i++) {
            assertEquals(expect[i], g[i], tol * Math.max(1, Math.abs(expect[i])), "element " + i);
        }
    }

    @Test
    void conv2dMatchesDefinition() {
        int[][] cases = {{2, 3, 7, 6, 4, 3, 1, 1}, {1, 1, 28, 28, 6, 5, 1, 2}, {2, 2, 9, 8, 3, 3, 2, 1}, {1, 4, 5, 5, 2, 1, 2, 0},
            {3, 2, 6, 5, 2, 2, 1, 0}};
        long seed = 1;
        for (int[] cs : cases) {
            int n = cs[0], c = cs[1], h = cs[2], w = cs[3], o = cs[4], k = cs[5], stride = cs[6], pad = cs[7];
            Conv2d conv = new Conv2d(c, o, k, stride, pad, true, seed++);
            Tensor x = GradCheck.randomInput(seed++, n, c, h, w);
            Tensor y = conv.forward(x);
            assertArrayEquals(new int[] {n, o, conv.outputSize(h), conv.outputSize(w)}, y.shape());
            close(conv(x.data(), n, c, h, w, conv.weight().data(), o, k, conv.bias().data(), stride, pad), y, 1e-5);
        }
    }

    @Test
    void linearMatchesDefinition() {
        Linear l = new Linear(5, 3, 9);
        Tensor x = GradCheck.randomInput(10, 4, 5);
        double[] e = new double[12];
        for (int i = 0; i < 4; i++) {
            for (int o = 0; o < 3; o++) {
                double s = l.bias().data()[o];
                for (int j = 0; j < 5; j++) {
                    s += (double) x.data()[i * 5 + j] * l.weight().data()[o * 5 + j];
                }
                e[i * 3 + o] = s;
            }
        }
        close(e, l.forward(x), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> l.forward(GradCheck.randomInput(1, 4, 6)));
    }

    @Test
    void poolsMatchDefinition() {
        Tensor x = GradCheck.randomInput(11, 2, 3, 5, 7);
        Tensor mx = new MaxPool2d(2).forward(x);
        Tensor av = new AvgPool2d(2).forward(x);
        assertArrayEquals(new int[] {2, 3, 2, 3}, mx.shape());
        double[] em = new double[36];
        double[] ea = new double[36];
        float[] d = x.data();
        for (int p = 0; p < 6; p++) {
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    double m = Double.NEGATIVE_INFINITY;
                    double s = 0;
                    for (int a = 0; a < 2; a++) {
                        for (int b = 0; b < 2; b++) {
                            double v = d[p * 35 + (2 * i + a) * 7 + 2 * j + b];
                            m = Math.max(m, v);
                            s += v;
                        }
                    }
                    em[p * 6 + i * 3 + j] = m;
                    ea[p * 6 + i * 3 + j] = s / 4;
                }
            }
        }
        close(em, mx, 0);
        close(ea, av, 1e-6);
    }

    @Test
    void batchNormNormalisesAndTracksRunningStats() {
        BatchNorm2d bn = new BatchNorm2d(2);
        Tensor x = GradCheck.randomInput(12, 3, 2, 2, 2);
        float[] d = x.data();
        Tensor y = bn.forward(x);
        float[] out = y.toArray();
        for (int c = 0; c < 2; c++) {
            double mean = 0;
            double sq = 0;
            for (int n = 0; n < 3; n++) {
                for (int i = 0; i < 4; i++) {
                    double v = d[(n * 2 + c) * 4 + i];
                    mean += v / 12;
                    sq += v * v / 12;
                }
            }
            double var = sq - mean * mean;
            for (int n = 0; n < 3; n++) {
                for (int i = 0; i < 4; i++) {
                    int idx = (n * 2 + c) * 4 + i;
                    assertEquals((d[idx] - mean) / Math.sqrt(var + 1e-5), out[idx], 1e-4);
                }
            }
            assertEquals(0.1 * mean, bn.runningMean()[c], 1e-6);
            assertEquals(0.9 + 0.1 * var * 12 / 11, bn.runningVar()[c], 1e-5);
        }
        assertEquals(1, bn.batchesTracked());
        bn.eval();
        float[] ev = bn.forward(x).toArray();
        for (int n = 0; n < 3; n++) {
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 4; i++) {
                    int idx = (n * 2 + c) * 4 + i;
                    assertEquals((d[idx] - bn.runningMean()[c]) / Math.sqrt(bn.runningVar()[c] + 1e-5), ev[idx], 1e-5);
                }
            }
        }
        assertEquals(1, bn.batchesTracked());
    }
}

package bitflex.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SIMD kernels against their scalar twins over random sizes (0, 1, tails around every vector width)
 * and offsets. Elementwise kernels must agree bit for bit; reductions and softmax are checked, both
 * of them, against a double-precision reference within the recursive-summation bound
 * {@code n * 2^-24 * sum|terms|} (plus a few ulps for exp).
 */
@Tag("simd")
class FloatKernelsTwinTest {
    private static final int EXAMPLES = 150;

    static float[] values(Random r, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (r.nextInt(20)) {
                case 0 -> 0f;
                case 1 -> -0f;
                case 2 -> r.nextFloat() * 1e-30f;
                default -> (r.nextFloat() * 2 - 1) * scale;
            };
        }
        return v;
    }

    interface SizeCase {
        void run(int n, int off, Random r);
    }

    static void sizes(SizeCase body) {
        qt().withFixedSeed(7).withExamples(EXAMPLES)
                .forAll(integers().between(0, 150), integers().between(0, 3), longs().all())
                .checkAssert((n, off, seed) -> body.run(n, off, new Random(seed)));
    }

    @Test
    void binaryOpsAreBitIdentical() {
        sizes((n, off, r) -> {
            float[] a = values(r, n + off, 10f);
            float[] b = values(r, n + off, 10f);
            for (int op = FloatKernels.ADD; op <= FloatKernels.MIN; op++) {
                float[] v = new float[n + off];
                float[] s = new float[n + off];
                FloatKernels.binary(op, a, off, b, 0, v, off, n);
                FloatKernelsScalar.binary(op, a, off, b, 0, s, off, n);
                assertArrayEquals(s, v, "op " + op);
                float c = b.length > 0 ? b[0] : 1.5f;
                for (boolean left : new boolean[] {false, true}) {
                    FloatKernels.binaryScalar(op, a, off, c, left, v, 0, n);
                    FloatKernelsScalar.binaryScalar(op, a, off, c, left, s, 0, n);
                    assertArrayEquals(s, v, "op " + op + " scalar left=" + left);
                }
            }
        });
    }

    @Test
    void unaryOpsAreBitIdentical() {
        sizes((n, off, r) -> {
            for (float scale : new float[] {3f, 120f}) {
                float[] x = values(r, n + off, scale);
                if (n > 0) {
                    x[off + r.nextInt(n)] = Float.NaN;
                    x[off + r.nextInt(n)] = r.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                }
                for (int op = FloatKernels.NEG; op <= FloatKernels.ABS; op++) {
                    float[] v = new float[n];
                    float[] s = new float[n];
                    FloatKernels.unary(op, x, off, v, 0, n);
                    FloatKernelsScalar.unary(op, x, off, s, 0, n);
                    assertArrayEquals(s, v, "op " + op);
                }
                float[] v = new float[n];
                float[] s = new float[n];
                FloatKernels.clamp(x, off, -0.5f, 2f, v, 0, n);
                FloatKernelsScalar.clamp(x, off, -0.5f, 2f, s, 0, n);
                assertArrayEquals(s, v, "clamp");
                for (float p : new float[] {2f, 1f, 0.5f, -1f, 3f, -1.5f}) {
                    FloatKernels.pow(x, off, p, v, 0, n);
                    FloatKernelsScalar.pow(x, off, p, s, 0, n);
                    assertArrayEquals(s, v, "pow " + p);
                }
            }
        });
    }

    @Test
    void fusedElementwiseAreBitIdentical() {
        sizes((n, off, r) -> {
            float[] x = values(r, n + off, 2f);
            float[] g = values(r, n + off, 2f);
            float[] v = new float[n];
            float[] s = new float[n];
            FloatKernels.reluBackward(x, off, g, off, v, 0, n);
            FloatKernelsScalar.reluBackward(x, off, g, off, s, 0, n);
            assertArrayEquals(s, v, "reluBackward");
            FloatKernels.sigmoidBackward(x, off, g, off, v, 0, n);
            FloatKernelsScalar.sigmoidBackward(x, off, g, off, s, 0, n);
            assertArrayEquals(s, v, "sigmoidBackward");
            FloatKernels.tanhBackward(x, off, g, off, v, 0, n);
            FloatKernelsScalar.tanhBackward(x, off, g, off, s, 0, n);
            assertArrayEquals(s, v, "tanhBackward");
            FloatKernels.scaleShift(x, off, 1.7f, -0.3f, v, 0, n);
            FloatKernelsScalar.scaleShift(x, off, 1.7f, -0.3f, s, 0, n);
            assertArrayEquals(s, v, "scaleShift");
            float[] yv = values(r, n, 1f);
            float[] ys = yv.clone();
            FloatKernels.axpy(-0.7f, x, off, yv, 0, n);
            FloatKernelsScalar.axpy(-0.7f, x, off, ys, 0, n);
            assertArrayEquals(ys, yv, "axpy");
        });
    }

    static void assertSumClose(double exact, double absSum, int n, float got, String what) {
        double bound = (n + 2) * 0x1p-24 * absSum + Float.MIN_NORMAL;
        assertTrue(Math.abs(got - exact) <= bound, what + ": " + got + " vs exact " + exact + " (bound " + bound + ", n " + n + ")");
    }

    @Test
    void reductionsWithinSummationBound() {
        sizes((n, off, r) -> {
            float[] x = values(r, n + off, 5f);
            float[] y = values(r, n + off, 5f);
            double sum = 0;
            double abs = 0;
            double dot = 0;
            double absDot = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = off; i < off + n; i++) {
                sum += x[i];
                abs += Math.abs(x[i]);
                dot += (double) x[i] * y[i];
                absDot += Math.abs((double) x[i] * y[i]);
                max = Math.max(max, x[i]);
            }
            assertSumClose(sum, abs, n, FloatKernels.sum(x, off, n), "sum simd");
            assertSumClose(sum, abs, n, FloatKernelsScalar.sum(x, off, n), "sum scalar");
            assertSumClose(dot, absDot, n, FloatKernels.dot(x, off, y, off, n), "dot simd");
            assertSumClose(dot, absDot, n, FloatKernelsScalar.dot(x, off, y, off, n), "dot scalar");
            assertEquals((float) max, FloatKernels.max(x, off, n), "max simd");
            assertEquals((float) max, FloatKernelsScalar.max(x, off, n), "max scalar");
        });
    }

    @Test
    void planeSumsAreEachSumBitForBit() {
        qt().withFixedSeed(29).withExamples(200).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            int len = r.nextInt(70), planes = 1 + r.nextInt(9), from = r.nextInt(planes), to = from + r.nextInt(planes - from + 1);
            float[] x = values(r, planes * len, 1f);
            float[] out = new float[planes];
            java.util.Arrays.fill(out, Float.NaN);
            FloatKernels.sums(x, from, to, len, out);
            for (int q = 0; q < planes; q++) {
                boolean mine = q >= from && q < to;
                float want = mine ? FloatKernels.sum(x, q * len, len) : Float.NaN;
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[q]),
                        "plane " + q + " of " + from + ".." + to + ", len " + len);
            }
        });
    }

    @Test
    void sumAxisMatchesTwin() {
        qt().withFixedSeed(3).withExamples(EXAMPLES)
                .forAll(integers().between(0, 5), integers().between(0, 9), integers().between(1, 40), longs().all())
                .checkAssert((outer, rr, inner, seed) -> {
                    Random r = new Random(seed);
                    float[] x = values(r, outer * rr * inner, 3f);
                    float[] v = new float[outer * inner];
                    float[] s = new float[outer * inner];
                    FloatKernels.sumAxis(x, outer, rr, inner, v);
                    FloatKernelsScalar.sumAxis(x, outer, rr, inner, s);
                    if (inner > 1) {
                        assertArrayEquals(s, v, "columns are summed in the same order");
                    }
                    for (int o = 0; o < outer; o++) {
                        for (int j = 0; j < inner; j++) {
                            double e = 0;
                            double a = 0;
                            for (int k = 0; k < rr; k++) {
                                e += x[(o * rr + k) * inner + j];
                                a += Math.abs(x[(o * rr + k) * inner + j]);
                            }
                            assertSumClose(e, a, rr, v[o * inner + j], "sumAxis");
                        }
                    }
                });
    }

    @Test
    void softmaxWithinBoundOfDoubleReference() {
        qt().withFixedSeed(5).withExamples(EXAMPLES)
                .forAll(integers().between(0, 4), integers().between(1, 70), longs().all())
                .checkAssert((rows, cols, seed) -> {
                    Random r = new Random(seed);
                    float[] x = values(r, rows * cols, 8f);
                    float[] g = values(r, rows * cols, 1f);
                    float[][] outs = new float[8][rows * cols];
                    FloatKernels.softmaxRows(x, outs[0], 0, rows, cols);
                    FloatKernelsScalar.softmaxRows(x, outs[1], 0, rows, cols);
                    FloatKernels.logSoftmaxRows(x, outs[2], 0, rows, cols);
                    FloatKernelsScalar.logSoftmaxRows(x, outs[3], 0, rows, cols);
                    FloatKernels.softmaxBackwardRows(outs[0], g, outs[4], 0, rows, cols);
                    FloatKernelsScalar.softmaxBackwardRows(outs[0], g, outs[5], 0, rows, cols);
                    FloatKernels.logSoftmaxBackwardRows(outs[2], g, outs[6], 0, rows, cols);
                    FloatKernelsScalar.logSoftmaxBackwardRows(outs[2], g, outs[7], 0, rows, cols);
                    // exp within 3 ulps, x - max rounding <= 2^-24 |x - max| <= 16 * 2^-24 relative,
                    // sum and division as the summation bound: relative error <= (cols + 24) * 2^-24.
                    double rel = (cols + 24) * 0x1p-24;
                    for (int row = 0; row < rows; row++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < cols; j++) {
                            m = Math.max(m, x[row * cols + j]);
                        }
                        double s = 0;
                        for (int j = 0; j < cols; j++) {
                            s += Math.exp(x[row * cols + j] - m);
                        }
                        double dot = 0;
                        double gsum = 0;
                        for (int j = 0; j < cols; j++) {
                            dot += g[row * cols + j] * (Math.exp(x[row * cols + j] - m) / s);
                            gsum += g[row * cols + j];
                        }
                        for (int j = 0; j < cols; j++) {
                            int i = row * cols + j;
                            double p = Math.exp(x[i] - m) / s;
                            double lp = x[i] - m - Math.log(s);
                            for (int k = 0; k < 2; k++) {
                                assertTrue(Math.abs(outs[k][i] - p) <= rel * p + 1e-38, "softmax " + outs[k][i] + " vs " + p);
                                assertTrue(Math.abs(outs[2 + k][i] - lp) <= rel * (Math.abs(lp) + Math.abs(m) + 1) * 4,
                                        "logSoftmax " + outs[2 + k][i] + " vs " + lp);
                                double sb = p * (g[i] - dot);
                                assertTrue(Math.abs(outs[4 + k][i] - sb) <= (cols + 40) * 0x1p-24 * p * 4,
                                        "softmaxBackward " + outs[4 + k][i] + " vs " + sb);
                                double lb = g[i] - p * gsum;
                                assertTrue(Math.abs(outs[6 + k][i] - lb) <= (cols + 40) * 0x1p-24 * (Math.abs(g[i]) + p * cols) * 4,
                                        "logSoftmaxBackward " + outs[6 + k][i] + " vs " + lb);
                            }
                        }
                    }
                });
    }

    /** Rows shorter than two vectors take a scalar path, which must give the vector path's bits. */
    @Test
    void shortRowsGiveTheVectorPathsBits() {
        int vl = bitflex.engine.simd.Simd.FLOAT.length();
        qt().withFixedSeed(11).withExamples(EXAMPLES)
                .forAll(integers().between(0, 4), integers().between(1, 2 * vl - 1), longs().all())
                .checkAssert((rows, cols, seed) -> {
                    Random r = new Random(seed);
                    float[] x = values(r, rows * cols, r.nextBoolean() ? 8f : 120f);
                    if (x.length > 0 && r.nextInt(8) == 0) {
                        x[r.nextInt(x.length)] = Float.NaN;
                    }
                    float[][] outs = new float[4][rows * cols];
                    FloatKernels.shortSoftmaxRows(x, outs[0], 0, rows, cols, false);
                    FloatKernels.vectorSoftmaxRows(x, outs[1], 0, rows, cols);
                    FloatKernels.shortSoftmaxRows(x, outs[2], 0, rows, cols, true);
                    FloatKernels.vectorLogSoftmaxRows(x, outs[3], 0, rows, cols);
                    for (int i = 0; i < rows * cols; i++) {
                        assertEquals(Float.floatToRawIntBits(outs[1][i]), Float.floatToRawIntBits(outs[0][i]),
                                "softmax, " + cols + " columns, element " + i + ": " + outs[0][i] + " vs " + outs[1][i]);
                        assertEquals(Float.floatToRawIntBits(outs[3][i]), Float.floatToRawIntBits(outs[2][i]),
                                "log-softmax, " + cols + " columns, element " + i + ": " + outs[2][i] + " vs " + outs[3][i]);
                    }
                });
    }
}

package bitflex.engine.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.parallel.Parallel;
import bitflex.engine.simd.Simd;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The unpacked A x B^T kernel: bit-exact against its scalar twin (same summation order), within the
 * GEMM error bound of a double reference, and reached through {@link Sgemm} for 1 and 2 threads alike.
 */
@Tag("simd")
class SgemmDotTest {
    private static final int VL = Simd.FLOAT.length();

    @Test
    void simdMatchesScalarTwinBitForBit() {
        // rows and columns cross the 4x4 blocks and their tails; k covers 0, 1, tails and several vectors
        qt().withExamples(300)
                .forAll(integers().between(0, 11), integers().between(0, 11), integers().between(0, 5 * VL + 3),
                        longs().all())
                .checkAssert((m, n, k, seed) -> {
                    Random r = new Random(seed);
                    int lda = Math.max(1, k) + r.nextInt(3);
                    int ldb = Math.max(1, k) + r.nextInt(3);
                    int ldc = Math.max(1, n) + r.nextInt(3);
                    float[] a = filled(r, 2 + m * lda);
                    float[] b = filled(r, 1 + n * ldb);
                    float[] c0 = filled(r, 3 + m * ldc);
                    float alpha = r.nextBoolean() ? 1f : -0.5f;
                    float beta = r.nextBoolean() ? 0f : 0.75f;
                    float[] simd = c0.clone();
                    float[] scalar = c0.clone();
                    SgemmDot.rows(0, m, n, k, alpha, a, 2, lda, b, 1, ldb, beta, simd, 3, ldc);
                    SgemmDotScalar.rows(VL, 0, m, n, k, alpha, a, 2, lda, b, 1, ldb, beta, scalar, 3, ldc);
                    assertArrayEquals(scalar, simd, "m=" + m + " n=" + n + " k=" + k);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double exact = 0, mag = 0;
                            for (int p = 0; p < k; p++) {
                                double t = (double) a[2 + i * lda + p] * b[1 + j * ldb + p];
                                exact += t;
                                mag += Math.abs(t);
                            }
                            int ci = 3 + i * ldc + j;
                            double want = alpha * exact + beta * c0[ci];
                            double bound = (k + 3) * 0x1p-23 * (Math.abs(alpha) * mag + Math.abs(beta * c0[ci])) + 1e-30;
                            assertTrue(Math.abs(simd[ci] - want) <= bound,
                                    "c[" + i + "," + j + "]=" + simd[ci] + " want " + want + " k=" + k);
                        }
                    }
                });
    }

    @Test
    void convolutionWeightGradientShapesGoThroughTheDotFormThreadIndependently() {
        int saved = Parallel.threads();
        try {
            int[][] shapes = {{6, 25, 1568}, {16, 150, 1100}, {33, 7, 4000}};
            for (int[] s : shapes) {
                assertTrue(SgemmDot.suits(false, true, s[0], s[1], s[2]));
                GemmCase g = new GemmCase(s[0], s[1], s[2], false, true, 11);
                Parallel.setThreads(1);
                float[] one = g.runSimd();
                g.check("Sgemm dot form", one);
                Parallel.setThreads(2);
                assertArrayEquals(one, g.runSimd(), "1 vs 2 threads");
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    private static float[] filled(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }
}

package bitflex.engine.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.parallel.Parallel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** The SIMD GEMM and its scalar twin against a double-precision reference (see {@link GemmCase}). */
@Tag("simd")
class SgemmTest {
    /** Sizes 0..150, weighted towards the small end where the edge cases (0, 1, tails) live. */
    private static Gen<Integer> size() {
        return integers().between(0, 3).mix(integers().between(0, 40), 40).mix(integers().between(0, 150), 35);
    }

    @Test
    void simdMatchesReferenceOnRandomShapes() {
        qt().withExamples(300).withShrinkCycles(200)
                .forAll(size(), size(), size(), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    GemmCase g = GemmCase.random(m, n, k, seed);
                    g.check("Sgemm", g.runSimd());
                });
    }

    @Test
    void scalarTwinMatchesReferenceOnRandomShapes() {
        qt().withExamples(150)
                .forAll(size(), size(), size(), longs().all())
                .checkAssert((m, n, k, seed) -> {
                    GemmCase g = GemmCase.random(m, n, k, seed);
                    g.check("SgemmScalar", g.runScalar());
                });
    }

    /**
     * The packed path is exactly one fma chain per element and KC block, stored as documented in
     * {@link SgemmKernel}: this is what makes its bits independent of the tile's shape (8 rows with
     * 32 vector registers, 4 with 16; the pom runs this test under both), of the edge tiles and of
     * the task grid. The dot-product form ({@link SgemmDot}) sums in lanes instead and is left out.
     */
    @Test
    void packedPathIsOneFmaChainPerElementAndKcBlockBitForBit() {
        Gen<Integer> depth = integers().between(1, 40).mix(integers().between(Sgemm.KC - 3, 2 * Sgemm.KC + 5), 40);
        qt().withExamples(120).withShrinkCycles(100)
                .forAll(integers().between(1, 40), integers().between(1, 40), depth, longs().all())
                .checkAssert((m, n, k, seed) -> {
                    boolean transA = (seed & 1) != 0;
                    boolean transB = (seed & 2) != 0 && !SgemmDot.suits(transA, true, m, n, k);
                    GemmCase g = new GemmCase(m, n, k, transA, transB, seed);
                    float[] got = g.runSimd();
                    float[] want = g.c();
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            want[g.cOff + i * g.ldc + j] = fmaChains(g, i, j, want[g.cOff + i * g.ldc + j]);
                        }
                    }
                    if (g.alpha != 0f) {
                        assertArrayEquals(want, got, g.toString());
                    }
                });
    }

    /** C[i][j] as the packed path computes it: per KC block an fma chain from zero, then the store. */
    private static float fmaChains(GemmCase g, int i, int j, float c) {
        for (int pc = 0; pc < g.k; pc += Sgemm.KC) {
            float acc = 0f;
            for (int p = pc; p < Math.min(g.k, pc + Sgemm.KC); p++) {
                acc = Math.fma(g.a(i, p), g.b(p, j), acc);
            }
            float beta = pc == 0 ? g.beta : 1f;
            c = beta == 0f ? acc * g.alpha : Math.fma(acc, g.alpha, c * beta);
        }
        return c;
    }

    @Test
    void blockedShapesCrossEveryCacheBlock() {
        // k past two KC blocks (the later blocks accumulate onto C with beta 1), m past MC, n past NC,
        // with tails in every dimension.
        int m = Sgemm.MC + 13;
        int n = Sgemm.NC + SgemmKernel.NR + 5;
        int k = 2 * Sgemm.KC + 7;
        for (int t = 0; t < 4; t++) {
            GemmCase g = new GemmCase(m, n, k, (t & 1) != 0, (t & 2) != 0, 42 + t);
            g.check("Sgemm", g.runSimd());
        }
    }

    /**
     * A short k widens the B block past NC: n runs past that wider block too, with a k tail that is
     * not a whole vector (the transposed packing's scalar steps), every transpose pair, bit for bit.
     */
    @Test
    void shortDepthWidensTheBBlockBitForBit() {
        int k = 43;
        int n = Sgemm.B_BLOCK_FLOATS / k + SgemmKernel.NR + 5;
        int m = 2 * SgemmKernel.MR + 3;
        for (int t = 0; t < 4; t++) {
            GemmCase g = new GemmCase(m, n, k, (t & 1) != 0, (t & 2) != 0, 50 + t, t < 2 ? 1f : 0.5f,
                    t % 2 == 0 ? 1f : -0.75f);
            assertFmaChains(g);
            g.check("Sgemm", g.runSimd());
        }
    }

    /**
     * Full tiles with alpha 1 and beta 0 or 1 (the later KC blocks always have beta 1) go straight
     * from the registers to C, beta 1 as a vector add: the same bits as the scalar store, also when C
     * holds NaN, infinities and negative zeros.
     */
    @Test
    void fullTilesStoredFromRegistersBitForBit() {
        int m = 2 * SgemmKernel.MR;
        int n = 2 * SgemmKernel.NR;
        int k = Sgemm.KC + 5;
        for (int t = 0; t < 8; t++) {
            boolean transA = (t & 1) != 0;
            boolean transB = (t & 2) != 0;
            if (SgemmDot.suits(transA, transB, m, n, k)) {
                continue; // the dot form sums in lanes (its own test)
            }
            float beta = (t & 4) != 0 ? 1f : 0f;
            GemmCase g = new GemmCase(m, n, k, transA, transB, 60 + t, 1f, beta);
            if (beta == 1f) {
                float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f};
                for (int i = 0; i < special.length; i++) {
                    g.c0[g.cOff + i * (g.ldc + 1) + i] = special[i];
                }
            }
            assertFmaChains(g);
        }
    }

    private static void assertFmaChains(GemmCase g) {
        float[] got = g.runSimd();
        float[] want = g.c();
        for (int i = 0; i < g.m; i++) {
            for (int j = 0; j < g.n; j++) {
                want[g.cOff + i * g.ldc + j] = fmaChains(g, i, j, want[g.cOff + i * g.ldc + j]);
            }
        }
        assertArrayEquals(want, got, g.toString());
    }

    @Test
    void resultDoesNotDependOnThreadCount() {
        int saved = Parallel.threads();
        try {
            qt().withExamples(12)
                    .forAll(integers().between(1, 320), integers().between(1, 320), integers().between(1, 600),
                            longs().all())
                    .checkAssert((m, n, k, seed) -> sameForOneAndTwoThreads(GemmCase.random(m, n, k, seed)));
            for (int t = 0; t < 4; t++) {
                sameForOneAndTwoThreads(new GemmCase(300, 500, 200, (t & 1) != 0, (t & 2) != 0, 7 + t));
            }
            // the MLP's weight-gradient shape: A transposed, a short k, a B block wider than NC
            sameForOneAndTwoThreads(new GemmCase(256, 784, 64, true, false, 11));
        } finally {
            Parallel.setThreads(saved);
        }
    }

    private static void sameForOneAndTwoThreads(GemmCase g) {
        Parallel.setThreads(1);
        float[] one = g.runSimd();
        Parallel.setThreads(2);
        float[] two = g.runSimd();
        Parallel.setThreads(3);
        float[] three = g.runSimd();
        assertArrayEquals(one, two, "1 vs 2 threads, " + g);
        assertArrayEquals(one, three, "1 vs 3 threads, " + g);
    }

    @Test
    void emptyAndDegenerateProblems() {
        float[] c = {1f, 2f, 3f, 4f};
        Sgemm.sgemm(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 0.5f, c, 0, 2);
        assertArrayEquals(new float[] {0.5f, 1f, 1.5f, 2f}, c, "k = 0 scales C by beta");
        float[] nan = {Float.NaN, Float.NaN};
        Sgemm.sgemm(false, false, 1, 2, 3, 0f, new float[3], 0, 3, new float[6], 0, 2, 0f, nan, 0, 2);
        assertArrayEquals(new float[] {0f, 0f}, nan, "alpha = 0 and beta = 0 write zeros");
        Sgemm.sgemm(false, false, 0, 5, 5, 1f, null, 0, 5, new float[25], 0, 5, 1f, null, 0, 5); // no rows: A, C unused
        float[] one = {Float.NaN};
        Sgemm.sgemm(true, true, 1, 1, 1, 2f, new float[] {3f}, 0, 1, new float[] {4f}, 0, 1, 0f, one, 0, 1);
        assertEquals(24f, one[0]);
    }

    @Test
    void badArgumentsAreNamed() {
        float[] x = new float[100];
        assertMessage("m=-1", () -> Sgemm.sgemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
        assertMessage("k=-3", () -> Sgemm.sgemm(false, false, 1, 2, -3, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
        assertMessage("lda", () -> Sgemm.sgemm(false, false, 2, 2, 4, 1f, x, 0, 3, x, 0, 2, 0f, x, 0, 2));
        assertMessage("lda", () -> Sgemm.sgemm(true, false, 5, 2, 4, 1f, x, 0, 4, x, 0, 2, 0f, x, 0, 2));
        assertMessage("ldb", () -> Sgemm.sgemm(false, true, 2, 2, 4, 1f, x, 0, 4, x, 0, 3, 0f, x, 0, 2));
        assertMessage("ldc", () -> Sgemm.sgemm(false, false, 2, 3, 4, 1f, x, 0, 4, x, 0, 3, 0f, x, 0, 2));
        assertMessage("array a", () -> Sgemm.sgemm(false, false, 20, 2, 10, 1f, x, 0, 10, x, 0, 2, 0f, x, 0, 2));
        assertMessage("array b", () -> Sgemm.sgemm(false, false, 2, 2, 4, 1f, x, 0, 4, x, 95, 2, 0f, x, 0, 2));
        assertMessage("array c", () -> Sgemm.sgemm(false, false, 2, 2, 4, 1f, x, 0, 4, x, 0, 2, 0f, new float[3], 0, 2));
        assertMessage("array a is null", () -> Sgemm.sgemm(false, false, 2, 2, 4, 1f, null, 0, 4, x, 0, 2, 0f, x, 0, 2));
        assertMessage("cOff", () -> Sgemm.sgemm(false, false, 2, 2, 4, 1f, x, 0, 4, x, 0, 2, 0f, x, -1, 2));
        assertMessage("lda", () -> SgemmScalar.sgemm(false, false, 2, 2, 4, 1f, x, 0, 3, x, 0, 2, 0f, x, 0, 2));
    }

    private static void assertMessage(String part, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(part) && e.getMessage().startsWith("sgemm"),
                "message should name '" + part + "': " + e.getMessage());
    }
}

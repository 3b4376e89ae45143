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

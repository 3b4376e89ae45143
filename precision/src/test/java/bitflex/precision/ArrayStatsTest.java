package bitflex.precision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ArrayStatsTest {

    @Test
    void agreeWithPlainLoopsOverTailsAndTinySizes() {
        qt().withExamples(1000).forAll(longs().all(), integers().between(0, 70)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(-20, 20)));
            double sq = 0, abs = 0, max = 0, scale = 0;
            for (float v : x) {
                sq += (double) v * v;
                abs += Math.abs(v);
                max = Math.max(max, Math.abs(v));
                scale += (double) v * v;
            }
            // Double sums of n <= 70 non-negative terms: relative error below n * 2^-53.
            assertEquals(sq, ArrayStats.sumOfSquares("x", x), 1e-14 * scale);
            assertEquals(abs, ArrayStats.sumAbs("x", x), 1e-14 * abs);
            assertEquals(max, ArrayStats.maxAbs("x", x));
        });
    }

    @Test
    void nonFiniteElementsAreNamedByIndex() {
        float[] x = new float[20];
        x[13] = Float.NEGATIVE_INFINITY;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArrayStats.maxAbs("w", x));
        assertEquals("w[13] = -Infinity is not finite", e.getMessage());
        x[13] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> ArrayStats.sumOfSquares("g", x));
        assertEquals("g[13] = NaN is not finite", e.getMessage());
    }
}

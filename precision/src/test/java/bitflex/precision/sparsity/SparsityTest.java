package bitflex.precision.sparsity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SparsityTest {

    @Test
    void l1GradientMatchesCentralDifferences() {
        qt().withExamples(300).forAll(longs().all(), integers().between(1, 64)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            double lambda = r.nextDouble(1e-6, 1e-1);
            L1Penalty l1 = new L1Penalty(lambda);
            float[] w = new float[n];
            float[] g = new float[n];
            float[] g0 = new float[n];
            for (int i = 0; i < n; i++) {
                w[i] = r.nextInt(5) == 0 ? 0f : (float) r.nextGaussian();
                g[i] = g0[i] = (float) r.nextGaussian();
            }
            l1.addGradient(w, g);
            for (int i = 0; i < n; i++) {
                double expected;
                if (w[i] == 0f) {
                    expected = 0; // subgradient 0 at a kink
                } else {
                    double h = Math.abs(w[i]) / 2; // |w| is linear on this side of 0, so the difference is exact
                    double plus = 0, minus = 0;
                    for (int j = 0; j < n; j++) {
                        double wj = w[j];
                        plus += lambda * Math.abs(j == i ? wj + h : wj);
                        minus += lambda * Math.abs(j == i ? wj - h : wj);
                    }
                    expected = (plus - minus) / (2 * h);
                }
                assertEquals(g0[i] + expected, g[i], 1e-6 * (1 + Math.abs(g0[i])), "element " + i);
            }
            double abs = 0;
            for (float v : w) abs += Math.abs(v);
            assertEquals(lambda * abs, l1.penalty(w), 1e-12 * (1 + abs));
        });
        assertEquals(1e-4, new L1Penalty().lambda());
        assertThrows(IllegalArgumentException.class, () -> new L1Penalty(-1));
    }

    @Test
    void densityCountsExactZerosInEveryStorage() {
        assertEquals(0.5, Density.of(new byte[] {0, 3, 0, -1}));
        assertEquals(0.75, Density.of(new short[] {0, 3, 7, -1}));
        assertEquals(1.0, Density.of(new int[] {1, 2}));
        assertEquals(0.5, Density.of(new float[] {0f, -0f, 1e-30f, 2f}));
        assertEquals(1.0, Density.of(new int[0]));
        assertEquals(0.5, Density.ofStorage(new short[] {0, 9}));
        assertEquals(2, Density.zerosOfStorage(new byte[] {0, 0, 1}));
        assertThrows(IllegalArgumentException.class, () -> Density.ofStorage(new float[1]));
        DensityTracker t = new DensityTracker();
        t.record(1, "a", new byte[] {0, 0, 0, 1});
        t.record(1, "b", new float[] {1f, 1f, 1f, 1f});
        assertEquals(0.25, t.density("a"));
        assertEquals(1.0, t.density("b"));
        assertEquals(1.0, t.density("never-seen"));
        assertEquals(5.0 / 8, t.overall());
        t.record(2, "a", new byte[] {1, 1, 1, 1});
        assertEquals(1.0, t.density("a"));
        assertEquals(3, t.history().size());
    }
}

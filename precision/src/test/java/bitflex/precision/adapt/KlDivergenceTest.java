package bitflex.precision.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KlDivergenceTest {
    private static final double EPS = 1e-10;

    private static long[] histogram(SplittableRandom r, int bins, int maxCount) {
        long[] h = new long[bins];
        for (int i = 0; i < bins; i++) {
            h[i] = r.nextInt(4) == 0 ? 0 : r.nextInt(maxCount + 1);
        }
        h[r.nextInt(bins)] += 1; // never all-empty
        return h;
    }

    /** Textbook sum p ln(p/q) on the smoothed distributions, in plain double. */
    private static double textbook(long[] p, long[] q, double eps) {
        double np = 0, nq = 0;
        for (int i = 0; i < p.length; i++) {
            np += p[i];
            nq += q[i];
        }
        double norm = 1 + p.length * eps;
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            double pi = (p[i] / np + eps) / norm;
            double qi = (q[i] / nq + eps) / norm;
            s += pi * Math.log(pi / qi);
        }
        return s;
    }

    @Test
    void nonNegativeAndAgreesWithTextbookFormula() {
        qt().withExamples(2000).forAll(longs().all(), integers().between(1, 200))
                .checkAssert((seed, bins) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    long[] p = histogram(r, bins, 1000);
                    long[] q = histogram(r, bins, 1000);
                    double kl = KlDivergence.of(p, q, EPS);
                    assertTrue(kl >= 0, () -> "negative KL " + kl);
                    double ref = textbook(p, q, EPS);
                    assertEquals(ref, kl, 1e-9 * Math.max(1, ref) + 1e-12);
                });
    }

    @Test
    void zeroExactlyForEqualHistograms() {
        qt().withExamples(1000).forAll(longs().all(), integers().between(1, 200))
                .checkAssert((seed, bins) -> {
                    long[] p = histogram(new SplittableRandom(seed), bins, 1_000_000);
                    assertEquals(0.0, KlDivergence.of(p, p.clone(), EPS));
                });
    }

    @Test
    void positiveWheneverEqualSizedHistogramsDiffer() {
        // Move single counts between bins of large histograms: the smallest possible difference.
        qt().withExamples(1000).forAll(longs().all(), integers().between(2, 200))
                .checkAssert((seed, bins) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    long[] p = histogram(r, bins, 1_000_000);
                    long[] q = p.clone();
                    int from;
                    do {
                        from = r.nextInt(bins);
                    } while (q[from] == 0);
                    int to = (from + 1 + r.nextInt(bins - 1)) % bins;
                    q[from]--;
                    q[to]++;
                    double kl = KlDivergence.of(p, q, EPS);
                    assertTrue(kl > 0, "one moved count must give a positive divergence");
                });
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> KlDivergence.of(new long[2], new long[3], EPS));
        assertThrows(IllegalArgumentException.class, () -> KlDivergence.of(new long[] {0, 0}, new long[] {1, 0}, EPS));
        assertThrows(IllegalArgumentException.class, () -> KlDivergence.of(new long[] {1, -1}, new long[] {1, 0}, EPS));
        assertThrows(IllegalArgumentException.class, () -> KlDivergence.of(new long[] {1}, new long[] {1}, 0));
    }

    @Test
    void ratioTermIsAccurateNearOneAndNearZero() {
        for (double r : new double[] {-9e-5, -1e-6, 1e-7, 5e-5, 9.9e-5}) {
            double direct = r - Math.log1p(r);
            assertEquals(direct, KlDivergence.ratioTerm(1 + r), Math.abs(direct) * 1e-6);
            assertTrue(KlDivergence.ratioTerm(1 + r) > 0);
        }
        // Near zero, t - 1 - ln t ~ -1 - ln t: all digits of t count.
        double t = 2.7e-10;
        assertEquals(t - 1 - Math.log(t), KlDivergence.ratioTerm(t), 1e-15 * Math.abs(Math.log(t)));
        assertEquals(0.0, KlDivergence.ratioTerm(1.0));
    }
}

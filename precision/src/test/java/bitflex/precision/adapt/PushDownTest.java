package bitflex.precision.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.fixed.FixedPointFormat;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

class PushDownTest {

    /** Weights either on a random power-of-two grid (so lossless formats exist) or Gaussian floats. */
    static float[] weights(SplittableRandom r, int n) {
        float[] w = new float[n];
        boolean onGrid = r.nextBoolean();
        int grid = r.nextInt(0, 12);
        double scale = Math.scalb(1.0, r.nextInt(-6, 4));
        for (int i = 0; i < n; i++) {
            double g = r.nextGaussian() * scale;
            w[i] = (float) (onGrid ? Math.scalb(Math.rint(Math.scalb(g, grid)), -grid) : g);
        }
        return w;
    }

    private record Scan(int smallest, boolean monotone) {}

    /** Brute force over [lo, hi]: the smallest passing value (hi + 1 if none) and whether the
     *  predicate is monotone there. */
    private static Scan scan(int lo, int hi, IntPredicate lossless) {
        int smallest = hi + 1;
        boolean seenPass = false;
        boolean monotone = true;
        for (int v = lo; v <= hi; v++) {
            boolean pass = lossless.test(v);
            if (pass && !seenPass) {
                smallest = v;
            }
            if (!pass && seenPass) {
                monotone = false;
            }
            seenPass |= pass;
        }
        return new Scan(smallest, monotone);
    }

    @Test
    void returnsTheSmallestLosslessFormatOfABruteForceScan() {
        AtomicInteger monotoneCases = new AtomicInteger();
        AtomicInteger cases = new AtomicInteger();
        qt().withExamples(300).forAll(longs().all(), integers().between(0, 8), integers().between(-4, 6))
                .checkAssert((seed, rb, flMin) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    AdaptParameters p = AdaptParameters.builder().resultsBuffer(rb).minFracLength(flMin)
                            .initialFormat(FixedPointFormat.signed(Math.max(flMin + rb, 1), flMin)).build();
                    int fl0 = r.nextInt(flMin, 32 - rb + 1);
                    int wl0 = r.nextInt(Math.max(fl0 + rb, 1), 33);
                    FixedPointFormat start = FixedPointFormat.signed(wl0, fl0);
                    InformationLoss loss = new InformationLoss(weights(r, r.nextInt(1, 300)), r.nextInt(2, 160), 1e-10);
                    FixedPointFormat got = AdaptRules.pushDown(start, loss, p);

                    IntPredicate flOk = f -> loss.of(FixedPointFormat.signed(wl0, f)) <= 0;
                    Scan fls = scan(flMin, fl0, flOk);
                    int expectFl = fls.smallest() > fl0 ? fl0 : fls.smallest();
                    int newFl = got.fracLength();
                    IntPredicate wlOk = w -> loss.of(FixedPointFormat.signed(w, newFl)) <= 0;
                    int wlLo = Math.max(newFl + rb, 1);
                    Scan wls = scan(wlLo, wl0, wlOk);
                    int expectWl = wls.smallest() > wl0 ? wl0 : wls.smallest();

                    cases.incrementAndGet();
                    if (fls.monotone() && wls.monotone()) {
                        monotoneCases.incrementAndGet();
                        assertEquals(FixedPointFormat.signed(expectWl, expectFl), got, "start " + start);
                    } else {
                        // Not monotone: bisection still lands on the lower edge of a lossless run.
                        if (flOk.test(fl0)) {
                            assertTrue(flOk.test(newFl));
                            assertTrue(newFl == flMin || !flOk.test(newFl - 1));
                        } else {
                            assertEquals(fl0, newFl);
                        }
                        int newWl = got.wordLength();
                        if (wlOk.test(wl0)) {
                            assertTrue(wlOk.test(newWl));
                            assertTrue(newWl == wlLo || !wlOk.test(newWl - 1));
                        } else {
                            assertEquals(wl0, newWl);
                        }
                    }
                    assertTrue(got.wordLength() >= got.fracLength() + rb, "buffer kept: " + got);
                    assertTrue(got.fracLength() >= flMin && got.fracLength() <= fl0);
                    assertTrue(got.wordLength() <= wl0);
                });
        assertTrue(monotoneCases.get() > cases.get() / 2,
                "most cases must be checked exactly: " + monotoneCases + " of " + cases);
    }

    @Test
    void findsTheCoarsestExactGridForQuarterSteppedWeights() {
        // Weights are multiples of 1/4 in [-2, 2]: FL 2 is the smallest lossless grid, and codes in
        // [-8, 8] need 5 bits (-16..15), raised to FL + RB = 6 by the results buffer.
        float[] w = new float[17];
        for (int i = 0; i < w.length; i++) {
            w[i] = -2f + i * 0.25f;
        }
        AdaptParameters p = AdaptParameters.defaults();
        InformationLoss loss = new InformationLoss(w, 50, p.epsilon());
        assertEquals(FixedPointFormat.signed(6, 2), AdaptRules.pushDown(FixedPointFormat.signed(16, 12), loss, p));
        // With no buffer the word length itself comes out: 4 bits hold only -8..7, so 2.0 saturates.
        AdaptParameters noBuffer = p.toBuilder().resultsBuffer(0).build();
        assertEquals(FixedPointFormat.signed(5, 2), AdaptRules.pushDown(FixedPointFormat.signed(16, 12), loss, noBuffer));
    }

    @Test
    void lossyFormatIsLeftAlone() {
        float[] w = {0.1f, 0.2f, 0.3f, 0.7f};
        AdaptParameters p = AdaptParameters.defaults();
        InformationLoss loss = new InformationLoss(w, 50, p.epsilon());
        FixedPointFormat coarse = FixedPointFormat.signed(8, 4);
        assertTrue(loss.of(coarse) > 0);
        assertEquals(coarse, AdaptRules.pushDown(coarse, loss, p));
    }
}

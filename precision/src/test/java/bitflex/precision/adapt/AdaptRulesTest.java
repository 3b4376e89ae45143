package bitflex.precision.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.fixed.FixedPointFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AdaptRulesTest {

    private static AdaptParameters randomParams(SplittableRandom r) {
        int lbMin = r.nextInt(1, 60);
        int rMin = r.nextInt(2, 80);
        int rb = r.nextInt(0, 9);
        return AdaptParameters.builder()
                .lookBack(lbMin, lbMin + r.nextInt(0, 120))
                .resolution(rMin, rMin + r.nextInt(0, 120))
                .lookBackMomentum(r.nextDouble())
                .resultsBuffer(rb)
                .initialFormat(FixedPointFormat.signed(Math.max(8, 4 + rb), 4))
                .build();
    }

    @Test
    void lookBackAndResolutionStayWithinBounds() {
        qt().withExamples(2000).forAll(longs().all(), doubles().between(1.0, 1e6))
                .checkAssert((seed, gd) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    AdaptParameters p = randomParams(r);
                    int lb = r.nextInt(p.minLookBack(), p.maxLookBack() + 1);
                    int res = r.nextInt(p.minResolution(), p.maxResolution() + 1);
                    for (int i = 0; i < 50; i++) {
                        double g = i == 0 ? gd : 1 + r.nextDouble() * (r.nextBoolean() ? 2 : 500);
                        lb = AdaptRules.nextLookBack(lb, g, p);
                        res = AdaptRules.nextResolution(res, lb, p);
                        assertTrue(lb >= p.minLookBack() && lb <= p.maxLookBack(), "lb " + lb);
                        assertTrue(res >= p.minResolution() && res <= p.maxResolution(), "R " + res);
                    }
                    assertTrue(AdaptRules.nextLookBack(lb, Double.POSITIVE_INFINITY, p) >= p.minLookBack());
                });
    }

    @Test
    void agreeingGradientsLengthenTheLookBackAndRaiseResolution() {
        AdaptParameters p = AdaptParameters.defaults();
        int lb = p.initialLookBack();
        int res = p.initialResolution();
        for (int i = 0; i < 40; i++) {
            lb = AdaptRules.nextLookBack(lb, 1.0, p);
            res = AdaptRules.nextResolution(res, lb, p);
        }
        assertEquals(p.maxLookBack(), lb);
        assertTrue(res > p.minResolution());
        // Very diverse gradients drive it down; the ceiling in the formula stops it at the first lb
        // with m (lb - LBmin) < 1: 25 + 3 for m = 0.33.
        int resAtMax = res;
        for (int i = 0; i < 40; i++) {
            lb = AdaptRules.nextLookBack(lb, 1e9, p);
            res = AdaptRules.nextResolution(res, lb, p);
        }
        assertEquals(p.minLookBack() + 3, lb);
        assertEquals(resAtMax, res, "R only shrinks at LBmin");
        // With m = 1 (no momentum) the minimum is reached, and R shrinks there.
        AdaptParameters direct = p.toBuilder().lookBackMomentum(1.0).build();
        lb = AdaptRules.nextLookBack(lb, 1e9, direct);
        assertEquals(direct.minLookBack(), lb);
        assertEquals(resAtMax - 1, AdaptRules.nextResolution(res, lb, direct));
    }

    @Test
    void lookBackFollowsTheFormula() {
        AdaptParameters p = AdaptParameters.builder().lookBack(25, 100).lookBackMomentum(0.33).build();
        // GD = 2: lb_new = ceil(50) = 50; lb = ceil(0.33*50 + 0.67*25) = ceil(33.25) = 34.
        assertEquals(34, AdaptRules.nextLookBack(25, 2.0, p));
        // GD = 1.3: lb_new = ceil(76.92) = 77; ceil(0.33*77 + 0.67*90) = ceil(85.71) = 86.
        assertEquals(86, AdaptRules.nextLookBack(90, 1.3, p));
    }

    @Test
    void noPushUpAtOrBelowDiversityE() {
        qt().withExamples(1000).forAll(doubles().between(1.0, Math.E), integers().between(0, 28), integers().between(0, 4))
                .checkAssert((gd, fl, rb) -> {
                    FixedPointFormat f = FixedPointFormat.signed(Math.min(32, fl + rb + 2), fl);
                    for (PushUpStrategy s : PushUpStrategy.values()) {
                        AdaptRules.PushUpSteps steps = AdaptRules.pushUpSteps(fl, gd, s);
                        assertEquals(0, steps.step());
                        assertEquals(f, AdaptRules.pushUp(f, steps, gd, rb));
                    }
                });
    }

    @Test
    void pushUpAboveEGrowsTheFormatAndKeepsTheBuffer() {
        qt().withExamples(2000).forAll(doubles().between(Math.E * 1.0001, 1e4), integers().between(-8, 28),
                        integers().between(0, 8), integers().between(0, 2))
                .checkAssert((gd, fl, rb, strategy) -> {
                    if (fl > 32 - rb) return;
                    int wl = Math.max(1, Math.min(32, fl + rb + (fl & 3)));
                    FixedPointFormat f = FixedPointFormat.signed(wl, fl);
                    PushUpStrategy s = PushUpStrategy.values()[strategy];
                    AdaptRules.PushUpSteps steps = AdaptRules.pushUpSteps(fl, gd, s);
                    FixedPointFormat up = AdaptRules.pushUp(f, steps, gd, rb);
                    assertTrue(up.fracLength() >= fl, () -> f + " -> " + up);
                    assertTrue(up.wordLength() >= wl, () -> f + " -> " + up);
                    assertTrue(up.wordLength() > wl || wl == 32, () -> "WL must grow: " + f + " -> " + up);
                    assertTrue(up.fracLength() <= 32 - rb && up.wordLength() >= up.fracLength() + rb);
                    assertTrue(steps.s1() >= 1 && steps.s2() >= 0);
                });
    }

    @Test
    void pushUpStepGrowsWithGradientDiversity() {
        // s2 grows with GD everywhere; s1 is 1 once L >= 1 (GD >= e^2), so from there every
        // strategy's step is non-decreasing in GD. (Between e and e^2, s1 = ceil(1/L^2) falls as GD
        // rises: AdaPT's formula, kept as published.)
        qt().withExamples(2000).forAll(doubles().between(Math.E * 1.0001, 1e5), doubles().between(1.0, 50.0),
                        integers().between(-8, 28))
                .checkAssert((gd, factor, fl) -> {
                    double more = gd * factor;
                    for (PushUpStrategy s : PushUpStrategy.values()) {
                        AdaptRules.PushUpSteps a = AdaptRules.pushUpSteps(fl, gd, s);
                        AdaptRules.PushUpSteps b = AdaptRules.pushUpSteps(fl, more, s);
                        assertTrue(b.s2() >= a.s2(), "s2");
                        if (gd >= Math.exp(2) * 1.001) {
                            assertTrue(b.step() >= a.step(), () -> s + " step at GD " + gd + " vs " + more);
                        }
                    }
                });
        // Concrete cases at FL 4. L = 1.2: s1 = ceil(0.69) = 1, s2 = min(ceil(46.08), 32) - 4 = 28.
        // L = 0.6: s1 = ceil(2.78) = 3, s2 = ceil(11.52) - 4 = 8, mean ceil(5.5) = 6.
        assertEquals(new AdaptRules.PushUpSteps(1, 28, 28), AdaptRules.pushUpSteps(4, Math.exp(2.2), PushUpStrategy.MAX));
        assertEquals(new AdaptRules.PushUpSteps(3, 8, 6), AdaptRules.pushUpSteps(4, Math.exp(1.6), PushUpStrategy.MEAN));
        assertEquals(new AdaptRules.PushUpSteps(3, 8, 3), AdaptRules.pushUpSteps(4, Math.exp(1.6), PushUpStrategy.MIN));
    }

    @Test
    void bufferIsEnforcedFromAnyStart() {
        qt().withExamples(2000).forAll(integers().between(1, 32), integers().between(-64, 64), integers().between(0, 31))
                .checkAssert((wl, fl, rb) -> {
                    FixedPointFormat f = AdaptRules.enforceBuffer(FixedPointFormat.signed(wl, fl), rb);
                    assertTrue(f.fracLength() <= 32 - rb);
                    assertTrue(f.wordLength() >= f.fracLength() + rb);
                    assertTrue(f.wordLength() >= wl || f.wordLength() == 32);
                });
    }
}

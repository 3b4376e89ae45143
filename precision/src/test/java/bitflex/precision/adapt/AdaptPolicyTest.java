package bitflex.precision.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.parallel.Parallel;
import bitflex.precision.PrecisionDecision;
import bitflex.engine.fixed.FixedPointFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AdaptPolicyTest {

    /** A seeded stand-in for training: weights take SGD steps along noisy gradients. */
    static List<PrecisionDecision> simulate(long seed, AdaptParameters params, int steps) {
        SplittableRandom r = new SplittableRandom(seed);
        AdaptPolicy policy = new AdaptPolicy(params);
        Map<String, float[]> weights = new LinkedHashMap<>();
        Map<String, float[]> direction = new LinkedHashMap<>();
        Map<String, Double> noise = new LinkedHashMap<>();
        String[] names = {"0.weight", "2.weight", "4.weight"};
        for (String name : names) {
            int n = r.nextInt(16, 400);
            float[] w = new float[n];
            float[] d = new float[n];
            for (int i = 0; i < n; i++) {
                w[i] = (float) (r.nextGaussian() * 0.1);
                d[i] = (float) r.nextGaussian();
            }
            weights.put(name, w);
            direction.put(name, d);
            noise.put(name, Math.scalb(1.0, r.nextInt(-3, 5)));
            FixedPointFormat f = policy.register(name, w);
            assertTrue(f.wordLength() >= f.fracLength() + params.resultsBuffer());
        }
        double loss = 2.3;
        double lr = 0.05;
        for (int step = 1; step <= steps; step++) {
            for (String name : names) {
                float[] w = weights.get(name);
                float[] d = direction.get(name);
                float[] g = new float[w.length];
                for (int i = 0; i < g.length; i++) {
                    g[i] = (float) (d[i] + noise.get(name) * r.nextGaussian());
                }
                policy.afterBackward(step, name, w, g, lr);
                for (int i = 0; i < g.length; i++) {
                    w[i] -= (float) (lr * 0.01 * g[i]);
                }
            }
            loss = loss * 0.995 + 0.05 * (r.nextDouble() - 0.5);
            List<PrecisionDecision> made = policy.afterStep(step, loss, weights::get);
            for (PrecisionDecision d : made) {
                assertEquals(step, d.step());
            }
        }
        return new ArrayList<>(policy.decisions());
    }

    @Test
    void sameSeedSameDecisions() {
        qt().withExamples(5).forAll(longs().all()).checkAssert(seed -> {
            List<PrecisionDecision> a = simulate(seed, AdaptParameters.defaults(), 300);
            List<PrecisionDecision> b = simulate(seed, AdaptParameters.defaults(), 300);
            assertEquals(a, b);
            assertTrue(a.size() > 3, "switches happened: " + a.size());
        });
    }

    @Test
    void everyDecisionIsLoggedWithinBounds() {
        qt().withExamples(8).forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            int rb = r.nextBoolean() ? 4 : 8;
            AdaptParameters p = AdaptParameters.builder().resultsBuffer(rb).lookBack(5, 40)
                    .resolution(20, 60).initialFormat(FixedPointFormat.signed(8 + (rb - 4), 4)).build();
            List<PrecisionDecision> log = simulate(seed, p, 200);
            int switches = 0;
            for (PrecisionDecision d : log) {
                FixedPointFormat f = d.after();
                assertTrue(f.fracLength() >= p.minFracLength() && f.fracLength() <= 32 - rb, d.toString());
                assertTrue(f.wordLength() >= f.fracLength() + rb && f.wordLength() <= 32, d.toString());
                assertTrue(d.lookBack() >= 5 && d.lookBack() <= 40, d.toString());
                assertTrue(d.resolution() >= 20 && d.resolution() <= 60, d.toString());
                assertEquals("adapt", d.policy());
                if (!d.kind().equals("initial")) {
                    assertEquals(d.kind().equals("switch"), d.changed(), d.toString());
                    switches++;
                    assertTrue(d.klDivergence() >= 0, d.toString());
                    assertTrue(d.gradientDiversity() >= 1, d.toString());
                    assertFalse(d.strategy().isEmpty());
                }
            }
            assertTrue(switches >= 3, "switches " + switches);
        });
    }

    @Test
    void decisionsDoNotDependOnTheThreadCount() {
        // Layers above the engine quantizer's parallel chunk (2^15 elements) are split across threads.
        int before = Parallel.threads();
        try {
            AdaptParameters p = AdaptParameters.builder().lookBack(2, 6).build();
            Parallel.setThreads(1);
            List<PrecisionDecision> one = simulateLarge(p);
            Parallel.setThreads(2);
            List<PrecisionDecision> two = simulateLarge(p);
            assertEquals(one, two);
            assertTrue(one.size() > 3);
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static List<PrecisionDecision> simulateLarge(AdaptParameters p) {
        SplittableRandom r = new SplittableRandom(5);
        int n = 70_000;
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) Math.scalb(Math.rint(r.nextGaussian() * 64), -8);
        AdaptPolicy policy = new AdaptPolicy(p);
        policy.register("big", w);
        float[] g = new float[n];
        for (int step = 1; step <= 20; step++) {
            for (int i = 0; i < n; i++) g[i] = (float) r.nextGaussian();
            policy.afterBackward(step, "big", w, g, 0.1);
            policy.afterStep(step, 1.0 / step, name -> w);
        }
        return policy.decisions();
    }

    @Test
    void agreeingGradientsOnAGridPushDownToTheExactFormat() {
        // Quarter-stepped weights in [-2, 2] and the same gradient every step: GD = 1, so no
        // push-up, and the push-down lands on FL 2, WL FL + RB = 6.
        float[] w = new float[17];
        float[] g = new float[17];
        for (int i = 0; i < w.length; i++) {
            w[i] = -2f + i * 0.25f;
            g[i] = 1f + i;
        }
        AdaptPolicy policy = new AdaptPolicy(AdaptParameters.builder().initialFormat(FixedPointFormat.signed(16, 12)).build());
        policy.register("fc", w);
        List<PrecisionDecision> switches = new ArrayList<>();
        int step = 0;
        while (switches.isEmpty() && step < 1000) {
            step++;
            policy.afterBackward(step, "fc", w, g, 0.1);
            switches.addAll(policy.afterStep(step, 1.0, name -> w));
        }
        assertEquals(1, switches.size());
        PrecisionDecision d = switches.get(0);
        assertEquals(FixedPointFormat.signed(16, 12), d.before());
        assertEquals(FixedPointFormat.signed(6, 2), d.after());
        assertEquals(0.0, d.klDivergence());
        assertEquals(1.0, d.gradientDiversity(), 1e-12);
        assertEquals(0, d.pushUpSteps());
        assertTrue(d.step() >= 25, "the window must fill first: " + d.step());
        assertEquals(FixedPointFormat.signed(6, 2), policy.format("fc"));
        assertEquals(0, policy.controller("fc").windowCount(), "window reset after a switch");
    }

    @Test
    void strategyEscalatesWhileTheLossIsNotFallingAndResetsWhenItFalls() {
        AdaptParameters p = AdaptParameters.builder().lookBack(3, 3).build();
        AdaptLayerController c = new AdaptLayerController("fc", 4, p);
        float[] w = {0.1f, -0.2f, 0.3f, 0.05f};
        SplittableRandom r = new SplittableRandom(1);
        double[][] windows = {{1, 1, 1}, {1, 2, 3}, {3, 3, 3}, {3, 2, 1}, {1, 1, 2}};
        PushUpStrategy[] expected = {PushUpStrategy.MEAN, PushUpStrategy.MAX, PushUpStrategy.MAX,
                PushUpStrategy.MIN, PushUpStrategy.MEAN};
        for (int k = 0; k < windows.length; k++) {
            for (double loss : windows[k]) {
                c.observeGradient(new float[] {(float) r.nextGaussian(), (float) r.nextGaussian(),
                        (float) r.nextGaussian(), (float) r.nextGaussian()});
                c.observeLoss(loss);
            }
            assertTrue(c.switchDue());
            PrecisionDecision d = c.decide(k, w, windows[k][2]);
            assertEquals(expected[k], c.strategy(), "window " + k);
            assertEquals(expected[k].label(), d.strategy());
        }
    }

    @Test
    void zeroGradientsDoNotAdvanceTheWindow() {
        AdaptLayerController c = new AdaptLayerController("fc", 3, AdaptParameters.defaults());
        c.observeGradient(new float[3]);
        assertEquals(0, c.windowCount());
        assertFalse(c.switchDue());
    }

    @Test
    void misuseIsReportedByName() {
        AdaptPolicy policy = new AdaptPolicy();
        policy.register("fc", new float[] {1f, 2f});
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> policy.register("fc", new float[] {1f}));
        assertTrue(dup.getMessage().contains("fc"));
        assertThrows(IllegalArgumentException.class, () -> policy.register("empty", new float[0]));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> policy.afterBackward(1, "conv", new float[2], new float[2], 0.1));
        assertTrue(unknown.getMessage().contains("conv"));
        IllegalArgumentException len = assertThrows(IllegalArgumentException.class,
                () -> policy.afterBackward(1, "fc", new float[2], new float[3], 0.1));
        assertTrue(len.getMessage().contains("3"));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> policy.afterBackward(1, "fc", new float[2], new float[] {0f, Float.NaN}, 0.1));
        assertTrue(nan.getMessage().contains("gradient[1]"));
    }

    @Test
    void parametersRejectInconsistentBounds() {
        assertThrows(IllegalArgumentException.class, () -> AdaptParameters.builder().lookBack(10, 5).build());
        assertThrows(IllegalArgumentException.class, () -> AdaptParameters.builder().resolution(1, 5).build());
        assertThrows(IllegalArgumentException.class, () -> AdaptParameters.builder().lookBackMomentum(1.5).build());
        assertThrows(IllegalArgumentException.class, () -> AdaptParameters.builder().minFracLength(6).build());
        assertThrows(IllegalArgumentException.class, () -> AdaptParameters.builder().tau(-1).build());
    }
}

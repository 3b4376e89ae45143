package bitflex.precision.rct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.precision.PrecisionDecision;
import bitflex.engine.fixed.FixedPointFormat;
import bitflex.precision.format.RangeFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RctPolicyTest {

    /** Drives one layer with gradients of a chosen size per window and checks each decision. */
    @Test
    void movesOneBitAtATimeWithinBoundsInTheRightDirection() {
        qt().withExamples(200).forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            int bMin = r.nextInt(2, 10);
            int bMax = bMin + r.nextInt(0, 12);
            double tMin = Math.scalb(1.0, r.nextInt(-6, 2));
            RctParameters p = RctParameters.builder().bits(bMin, bMax)
                    .initialBits(r.nextInt(bMin, bMax + 1)).window(r.nextInt(1, 6)).minUpdate(tMin).build();
            RctPolicy policy = new RctPolicy(p);
            int n = r.nextInt(1, 50);
            float[] w = new float[n];
            for (int i = 0; i < n; i++) w[i] = (float) r.nextGaussian();
            policy.register("conv", w);
            int windows = 0;
            for (int step = 1; step <= 60; step++) {
                double scale = Math.scalb(1.0, r.nextInt(-30, 4));
                float[] g = new float[n];
                for (int i = 0; i < n; i++) g[i] = (float) (r.nextGaussian() * scale);
                int bitsBefore = policy.controller("conv").bits();
                policy.afterBackward(step, "conv", w, g, 0.05);
                policy.afterUpdate(step, "conv", g, -0.05);
                List<PrecisionDecision> made = policy.afterStep(step, Double.NaN, name -> w);
                for (PrecisionDecision d : made) {
                    windows++;
                    int bitsAfter = d.after().wordLength();
                    assertEquals(bitsBefore, d.before().wordLength());
                    assertTrue(Math.abs(bitsAfter - bitsBefore) <= 1, d.toString());
                    assertTrue(bitsAfter >= bMin && bitsAfter <= bMax, d.toString());
                    if (d.gavg() < p.minUpdate()) {
                        assertEquals(Math.min(bitsBefore + 1, bMax), bitsAfter, d.toString());
                        assertEquals(bitsBefore < bMax ? "widen" : "keep", d.kind());
                    } else if (d.gavg() > p.maxUpdate()) {
                        assertEquals(Math.max(bitsBefore - 1, bMin), bitsAfter, d.toString());
                    } else {
                        assertEquals(bitsBefore, bitsAfter, d.toString());
                        assertEquals("keep", d.kind());
                    }
                    assertEquals(RangeFormat.forMaxAbs(bitsAfter, RangeFormat.maxAbs("conv", w)), d.after());
                }
            }
            assertTrue(windows >= 10);
        });
    }

    @Test
    void gavgIsTheMeanUpdateInGridSteps() {
        RctPolicy policy = new RctPolicy(RctParameters.builder().window(2).minUpdate(0.1).build());
        float[] w = {0.5f, -0.25f}; // max 0.5 -> FL = 8 - 1 - 0 = 7, step 1/128
        policy.register("fc", w);
        assertEquals(FixedPointFormat.signed(8, 7), policy.format("fc"));
        policy.afterUpdate(1, "fc", new float[] {0.01f, -0.03f}, -0.25);
        assertTrue(policy.afterStep(1, 1.0, name -> w).isEmpty());
        policy.afterUpdate(2, "fc", new float[] {0.0f, 0.02f}, -0.25);
        PrecisionDecision d = policy.afterStep(2, 1.0, name -> w).get(0);
        // mean |lr g| = 0.25 * (0.01 + 0.03 + 0 + 0.02) / 4 = 0.00375; in steps of 1/128: 0.48,
        // inside [Tmin, Tmax] = [0.1, 0.8].
        double expected = 0.25 * ((double) 0.01f + 0.03f + 0.0f + 0.02f) / 4 * 128;
        assertEquals(expected, d.gavg(), 1e-12);
        assertEquals("keep", d.kind());
        assertEquals(8, d.after().wordLength());
    }

    @Test
    void tinyUpdatesWidenLargeUpdatesNarrow() {
        float[] w = {1.0f, -0.5f};
        RctPolicy policy = new RctPolicy(RctParameters.builder().window(1).bits(4, 16).initialBits(8).build());
        policy.register("fc", w);
        for (int step = 1; step <= 20; step++) {
            policy.afterUpdate(step, "fc", new float[] {1e-9f, 1e-9f}, -0.01);
            policy.afterStep(step, 0, name -> w);
        }
        assertEquals(16, policy.controller("fc").bits());
        for (int step = 21; step <= 40; step++) {
            policy.afterUpdate(step, "fc", new float[] {10f, 10f}, -0.1);
            policy.afterStep(step, 0, name -> w);
        }
        assertEquals(4, policy.controller("fc").bits());
    }

    @Test
    void onlyAppliedUpdatesFillTheWindow() {
        float[] w = {1.0f, -0.5f};
        RctPolicy policy = new RctPolicy(RctParameters.builder().window(1).build());
        policy.register("fc", w);
        policy.afterBackward(1, "fc", w, new float[] {1e-9f, 1e-9f}, 0.01);
        assertTrue(policy.afterStep(1, 0, name -> w).isEmpty(), "a gradient alone is not an optimizer step");
        policy.afterUpdate(2, "fc", new float[] {0.5f, -0.25f}, 2);
        PrecisionDecision d = policy.afterStep(2, 0, name -> w).get(0);
        // FL = 8 - 1 - 1 = 6: |2 * 0.5| * 64 and |2 * -0.25| * 64, mean 48.
        assertEquals(48.0, d.gavg(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> policy.afterUpdate(3, "fc", new float[3], 1));
        assertThrows(IllegalArgumentException.class, () -> policy.afterUpdate(3, "fc", new float[2], Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> policy.afterUpdate(3, "fc", new float[] {Float.NaN, 0}, 1));
        assertThrows(IllegalArgumentException.class, () -> policy.afterUpdate(3, "nope", new float[2], 1));
    }

    @Test
    void parametersAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> RctParameters.builder().bits(8, 4).build());
        assertThrows(IllegalArgumentException.class, () -> RctParameters.builder().minUpdate(0.5).maxUpdate(0.9).build());
        assertThrows(IllegalArgumentException.class, () -> RctParameters.builder().window(0).build());
        assertEquals(0.8, RctParameters.defaults().maxUpdate(), 1e-15);
    }
}

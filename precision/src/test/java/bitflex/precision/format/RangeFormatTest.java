package bitflex.precision.format;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.Quantizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.floats;
import static org.quicktheories.generators.SourceDSL.integers;

import org.junit.jupiter.api.Test;

class RangeFormatTest {

    @Test
    void integerBitsCoverTheLargestWeightWithNothingToSpare() {
        qt().withExamples(3000).forAll(integers().between(2, 32), floats().between(1e-30f, 1e30f))
                .checkAssert((bits, m) -> {
                    FixedPointFormat f = RangeFormat.forMaxAbs(bits, m);
                    assertEquals(bits, f.wordLength());
                    if (f.fracLength() > FixedPointFormat.MIN_FRAC_LENGTH && f.fracLength() < FixedPointFormat.MAX_FRAC_LENGTH) {
                        // The integer bits cover m: |m| < 2^intBits = -minValue ...
                        assertTrue(m < -f.minValue(), () -> m + " in " + f);
                        // ... and with one more fractional bit they would not.
                        FixedPointFormat finer = FixedPointFormat.signed(bits, f.fracLength() + 1);
                        assertTrue(m >= -finer.minValue(), () -> m + " fits " + finer);
                    }
                });
        // Exact powers of two are covered (DESIGN's ceil(log2 m) would saturate 0.5 in 8 bits).
        FixedPointFormat half = RangeFormat.forMaxAbs(8, 0.5);
        assertEquals(FixedPointFormat.signed(8, 7), half);
        assertEquals(0.5f, Quantizer.of(half).fakeQuantize("w", new float[] {0.5f})[0]);
        assertEquals(-0.5f, Quantizer.of(half).fakeQuantize("w", new float[] {-0.5f})[0]);
        assertEquals(FixedPointFormat.signed(8, 7), RangeFormat.forMaxAbs(8, 0.75));
        assertEquals(FixedPointFormat.signed(8, 6), RangeFormat.forMaxAbs(8, 0.0));
    }

    @Test
    void trackerCoversTheLargestMagnitudeOfItsWindow() {
        RangeTracker t = new RangeTracker("fc grad", 16, 3);
        assertEquals(FixedPointFormat.signed(16, 14), t.format());
        assertEquals(FixedPointFormat.signed(16, 12), t.observe(new float[] {0.1f, -5f}));   // 5 < 2^3: 3 integer bits
        assertEquals(FixedPointFormat.signed(16, 12), t.observe(new float[] {0.01f}));
        assertEquals(FixedPointFormat.signed(16, 12), t.observe(new float[] {0.01f}));
        assertEquals(FixedPointFormat.signed(16, 21), t.observe(new float[] {0.01f}));       // 5 left the window
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.observe(new float[] {1f, Float.NaN}));
        assertEquals("fc grad[1] = NaN is not finite", e.getMessage());
    }
}

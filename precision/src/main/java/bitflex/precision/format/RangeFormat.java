package bitflex.precision.format;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.precision.ArrayStats;

/**
 * Dynamic fixed point for a bitwidth (RCT's rule): all remaining bits are fractional once the
 * integer bits cover the largest magnitude, {@code FL = b - 1 - intBits}. Used for weights (RCT) and
 * for activations and gradients ({@link RangeTracker}).
 *
 * <p>DESIGN.md writes {@code intBits = ceil(log2(max |W|))}. We use {@code floor(log2 m) + 1},
 * which is the same except when {@code m} is an exact power of two: there the ceiling would put
 * {@code m} one step above the largest code and saturate it, while {@code floor + 1} represents it.
 * It is computed from the binary exponent, so there is no rounding in a logarithm. All-zero weights
 * are treated as {@code m = 1}; the result is clamped to the format's FL range.
 */
public final class RangeFormat {
    private RangeFormat() {}

    /** The format of {@code bits} for values whose largest magnitude is {@code maxAbs}. */
    public static FixedPointFormat forMaxAbs(int bits, double maxAbs) {
        if (!(maxAbs >= 0) || Double.isInfinite(maxAbs)) {
            throw new IllegalArgumentException("RangeFormat: max |W| must be finite, got " + maxAbs);
        }
        int intBits = maxAbs == 0 ? 1 : Math.getExponent(maxAbs) + 1;
        int fl = bits - 1 - intBits;
        fl = Math.min(Math.max(fl, FixedPointFormat.MIN_FRAC_LENGTH), FixedPointFormat.MAX_FRAC_LENGTH);
        return FixedPointFormat.signed(bits, fl);
    }

    /** The largest magnitude of {@code values}, failing on a non-finite element (named as {@code what[i]}). */
    public static double maxAbs(String what, float[] values) {
        return ArrayStats.maxAbs(what, values);
    }
}

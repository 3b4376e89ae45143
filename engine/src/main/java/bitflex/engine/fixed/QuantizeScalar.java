package bitflex.engine.fixed;

/**
 * The scalar twin of {@link QuantizeKernels}: the same results computed a different way. A float
 * is taken apart into its exact integer significand {@code m} and exponent {@code e}
 * ({@code x = m * 2^e}), so {@code x * 2^FL = m * 2^(e + FL)} is rounded by
 * {@link ExactRounding#shiftRound} in pure integer arithmetic, without any float operation that
 * could round.
 */
final class QuantizeScalar {
    private QuantizeScalar() {}

    /**
     * The rounded (not yet fitted) integer for {@code x} at fractional length {@code fl}; infinities
     * come back as {@code Long.MAX_VALUE}/{@code MIN_VALUE}. The caller has rejected NaN.
     */
    static long round(float x, int fl, Rounding mode, int j) {
        int bits = Float.floatToRawIntBits(x);
        int exp = (bits >>> 23) & 0xFF;
        int frac = bits & 0x7F_FFFF;
        if (exp == 0xFF) {
            return bits < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        long m = exp == 0 ? frac : frac | 0x80_0000;
        int e = exp == 0 ? -149 : exp - 150;
        if (bits < 0) {
            m = -m;
        }
        return ExactRounding.shiftRound(m, -(e + fl), mode, j);
    }

    /** Quantizes one element: the integer k in the format's range (decoded, not raw bits). */
    static long quantize(float x, FixedPointFormat f, Rounding mode, Overflow overflow, int j) {
        long r = round(x, f.fracLength(), mode, j);
        if (Float.isInfinite(x)) {
            return x > 0 ? f.maxInt() : f.minInt();
        }
        return ExactRounding.fit(r, f, overflow);
    }

    /**
     * Quantizes {@code n} floats into raw storage bits ({@code out[i]} holds what the storage array
     * element gets, as an int). Returns the clamp statistics; throws on NaN naming the tensor and
     * the index (counted from {@code counterBase}).
     */
    static ClampStats quantize(String name, float[] src, int srcOff, int[] out, int n, FixedPointFormat f,
                               Rounding mode, Overflow overflow, long key, int counterBase) {
        int k0 = CounterRng.k0(key);
        int k1 = CounterRng.k1(key);
        long below = 0;
        long above = 0;
        for (int i = 0; i < n; i++) {
            float x = src[srcOff + i];
            if (Float.isNaN(x)) {
                throw Quantizer.nanError(name, counterBase + i);
            }
            int j = mode == Rounding.STOCHASTIC ? CounterRng.uniform24(counterBase + i, k0, k1) : 0;
            long r = Float.isInfinite(x) ? (x > 0 ? Long.MAX_VALUE : Long.MIN_VALUE)
                    : round(x, f.fracLength(), mode, j);
            if (r < f.minInt()) {
                below++;
            } else if (r > f.maxInt()) {
                above++;
            }
            long k = Float.isInfinite(x) ? (x > 0 ? f.maxInt() : f.minInt()) : ExactRounding.fit(r, f, overflow);
            out[i] = (int) k;
        }
        return new ClampStats(below, above, n);
    }

    /** Dequantizes one decoded integer: the float nearest to {@code k * 2^-FL}. */
    static float dequantize(long k, int fl) {
        return Math.scalb((float) k, -fl);
    }
}

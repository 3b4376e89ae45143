package bitflex.engine.fixed.gemm;

import bitflex.engine.fixed.Overflow;

/**
 * The modelled accumulator of an integer GEMM or convolution: its width in bits and what it does
 * on overflow.
 *
 * <p><b>Definition.</b> An output element is {@code acc_K} where {@code acc_0 = 0} and
 * {@code acc_{p+1} = ovf(acc_p + a_p * b_p)} for {@code p = 0 .. K-1} in increasing order of the
 * reduction index (for convolutions: the (channel, kernel row, kernel column) order of im2col, and
 * for weight gradients (batch, output row, output column)); {@code a_p * b_p} is the exact
 * integer product and {@code ovf} either clamps to {@code [-2^(w-1), 2^(w-1)-1]} (SATURATE) or
 * keeps the low {@code w} bits, sign-extended (WRAP), after <i>every</i> addition.
 *
 * <ul>
 * <li>WRAP at any width equals the exact sum reduced modulo 2^w, whatever the order: the kernels
 * compute in 32-bit lanes (which wrap modulo 2^32) and reduce to w bits at the end. Fast path.</li>
 * <li>SATURATE equals the exact sum whenever no partial sum can leave the range, which the kernels
 * check with the bound {@code max_i sum_p |a_ip| * max |b|}: fast path. Otherwise a slower
 * sequential path applies the clamp after each addition, in the order above.</li>
 * <li>Width 64 ({@link #EXACT}) is the exact sum, the reference: fast path when the bound is
 * below 2^31, a {@code long} path otherwise.</li>
 * </ul>
 *
 * @param width    16..32, or 64 for the exact accumulator
 * @param overflow behaviour after each addition (ignored for width 64, which cannot overflow for
 *                 the operand sizes allowed)
 */
public record Accumulator(int width, Overflow overflow) {
    /** 32-bit two's complement, as integer hardware accumulates: the default. */
    public static final Accumulator INT32 = new Accumulator(32, Overflow.WRAP);
    /** 32-bit saturating. */
    public static final Accumulator INT32_SATURATE = new Accumulator(32, Overflow.SATURATE);
    /** The exact (64-bit) reference accumulator. */
    public static final Accumulator EXACT = new Accumulator(64, Overflow.WRAP);

    public Accumulator {
        if (!(width >= 16 && width <= 32) && width != 64) {
            throw new IllegalArgumentException("Accumulator.width must be in [16, 32] or 64, got " + width);
        }
        if (overflow == null) {
            throw new IllegalArgumentException("Accumulator.overflow must not be null");
        }
    }

    /** Whether this is the exact 64-bit accumulator. */
    public boolean exact() {
        return width == 64;
    }

    /** Largest value a partial sum may reach without overflowing. */
    public long max() {
        return width == 64 ? Long.MAX_VALUE : (1L << (width - 1)) - 1;
    }

    @Override
    public String toString() {
        return width == 64 ? "acc64(exact)" : "acc" + width + "(" + overflow + ")";
    }
}

package bitflex.engine.fixed;

/**
 * A fixed-point format {@code (WL, FL, signed)}: a value is an integer {@code k} times
 * {@code 2^-FL}, with {@code k} in {@code [-2^(WL-1), 2^(WL-1)-1]} when signed and
 * {@code [0, 2^WL-1]} when unsigned.
 *
 * <p><b>Why FL is limited to -64..64.</b> With {@code |k| <= 2^32} every grid value
 * {@code k * 2^-FL} then has magnitude in {@code [2^-64, 2^96]}, well inside the normal range of
 * float32 ({@code [2^-126, 2^128)}): dequantizing never underflows to a subnormal or zero and never
 * overflows, so it is a single correctly rounded conversion (exact for {@code WL <= 24}), and the
 * scale {@code 2^FL} is itself a normal float32. Every grid value is exact in a double. The range
 * is also far beyond what training needs (weights near 2^-20, activations near 2^20): a step below
 * 2^-64 or above 2^64 describes no useful tensor.
 *
 * @param wordLength total bits including the sign bit, 1..32
 * @param fracLength fractional bits, -64..64; negative means a grid coarser than 1
 * @param signed     two's complement when true, unsigned otherwise
 */
public record FixedPointFormat(int wordLength, int fracLength, boolean signed) {
    public static final int MIN_WORD_LENGTH = 1;
    public static final int MAX_WORD_LENGTH = 32;
    public static final int MIN_FRAC_LENGTH = -64;
    public static final int MAX_FRAC_LENGTH = 64;

    public FixedPointFormat {
        if (wordLength < MIN_WORD_LENGTH || wordLength > MAX_WORD_LENGTH) {
            throw new IllegalArgumentException("FixedPointFormat.wordLength must be in ["
                    + MIN_WORD_LENGTH + ", " + MAX_WORD_LENGTH + "], got " + wordLength);
        }
        checkFracLength("FixedPointFormat.fracLength", fracLength);
    }

    /** Throws unless {@code fl} is an allowed fractional length; {@code what} names the field. */
    public static void checkFracLength(String what, int fl) {
        if (fl < MIN_FRAC_LENGTH || fl > MAX_FRAC_LENGTH) {
            throw new IllegalArgumentException(what + " must be in [" + MIN_FRAC_LENGTH + ", "
                    + MAX_FRAC_LENGTH + "], got " + fl);
        }
    }

    /** A signed format. */
    public static FixedPointFormat signed(int wordLength, int fracLength) {
        return new FixedPointFormat(wordLength, fracLength, true);
    }

    /** An unsigned format. */
    public static FixedPointFormat unsigned(int wordLength, int fracLength) {
        return new FixedPointFormat(wordLength, fracLength, false);
    }

    /** The same word length and signedness with another fractional length. */
    public FixedPointFormat withFracLength(int fl) {
        return new FixedPointFormat(wordLength, fl, signed);
    }

    /** The same fractional length and signedness with another word length. */
    public FixedPointFormat withWordLength(int wl) {
        return new FixedPointFormat(wl, fracLength, signed);
    }

    /** Smallest integer {@code k}. */
    public long minInt() {
        return signed ? -(1L << (wordLength - 1)) : 0L;
    }

    /** Largest integer {@code k}. */
    public long maxInt() {
        return signed ? (1L << (wordLength - 1)) - 1 : (1L << wordLength) - 1;
    }

    /** The grid spacing {@code 2^-FL}, exact. */
    public double step() {
        return Math.scalb(1.0, -fracLength);
    }

    /** The smallest representable value, exact. */
    public double minValue() {
        return Math.scalb((double) minInt(), -fracLength);
    }

    /** The largest representable value, exact. */
    public double maxValue() {
        return Math.scalb((double) maxInt(), -fracLength);
    }

    /** The array type that stores this format's integers. */
    public Storage storage() {
        return Storage.forWordLength(wordLength);
    }

    /** Whether {@code k} is inside the integer range. */
    public boolean contains(long k) {
        return k >= minInt() && k <= maxInt();
    }

    /** The exact real value of integer {@code k} in this format, as a double (exact for |k| < 2^53). */
    public double value(long k) {
        return Math.scalb((double) k, -fracLength);
    }

    @Override
    public String toString() {
        return (signed ? "s" : "u") + "Q(WL=" + wordLength + ", FL=" + fracLength + ")";
    }
}

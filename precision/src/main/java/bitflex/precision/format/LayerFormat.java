package bitflex.precision.format;

/**
 * A signed fixed-point format as the precision policies see it: a value is an integer {@code k}
 * times {@code 2^-fracLength}, with {@code k} in {@code [-2^(wordLength-1), 2^(wordLength-1) - 1]}.
 *
 * <p>This is deliberately the smallest value type the policies need, so that they can be written
 * and tested before the engine's {@code bitflex.engine.fixed.FixedPointFormat} exists; once that
 * lands, this record converts to it one-to-one (word length, fractional length, signed = true).
 * Weights are always signed, which is why the record has no signedness flag.
 *
 * @param wordLength bits including the sign bit, 1..32
 * @param fracLength fractional bits, {@value #MIN_FRAC_LENGTH}..{@value #MAX_FRAC_LENGTH}; may be
 *                   negative (a grid coarser than 1) or larger than the word length
 */
public record LayerFormat(int wordLength, int fracLength) {
    /** Smallest fractional length a policy may choose (a grid step of 2^64). */
    public static final int MIN_FRAC_LENGTH = -64;
    /** Largest fractional length a policy may choose (a grid step of 2^-64). */
    public static final int MAX_FRAC_LENGTH = 64;
    /** Widest word the integer kernels model. */
    public static final int MAX_WORD_LENGTH = 32;

    public LayerFormat {
        if (wordLength < 1 || wordLength > MAX_WORD_LENGTH) {
            throw new IllegalArgumentException(
                    "LayerFormat: wordLength must be in [1, 32], got " + wordLength);
        }
        if (fracLength < MIN_FRAC_LENGTH || fracLength > MAX_FRAC_LENGTH) {
            throw new IllegalArgumentException("LayerFormat: fracLength must be in [" + MIN_FRAC_LENGTH
                    + ", " + MAX_FRAC_LENGTH + "], got " + fracLength);
        }
    }

    /** Grid step {@code 2^-fracLength}. */
    public double step() {
        return Math.scalb(1.0, -fracLength);
    }

    /** Smallest integer code, {@code -2^(wordLength-1)}. */
    public long minCode() {
        return -(1L << (wordLength - 1));
    }

    /** Largest integer code, {@code 2^(wordLength-1) - 1}. */
    public long maxCode() {
        return (1L << (wordLength - 1)) - 1;
    }

    /** Largest representable value. */
    public double maxValue() {
        return Math.scalb((double) maxCode(), -fracLength);
    }

    /** Smallest (most negative) representable value. */
    public double minValue() {
        return Math.scalb((double) minCode(), -fracLength);
    }

    @Override
    public String toString() {
        return "Q(WL=" + wordLength + ",FL=" + fracLength + ")";
    }
}

package bitflex.engine.fixed;

/**
 * How a real value {@code y = x * 2^FL} becomes the integer {@code k} of a fixed-point format.
 * Every mode is defined on the exact real value of {@code y}; bitflex never rounds {@code y}
 * itself before applying the mode (see {@link Quantizer} for why that is possible).
 */
public enum Rounding {
    /** Round to the nearest integer, ties to the even one (IEEE default; QPyTorch's CPU "nearest"). */
    NEAREST_EVEN,
    /** Round to the nearest integer, ties away from zero (QPyTorch's CUDA "nearest", {@code Math.round} for positives). */
    NEAREST_AWAY,
    /** Drop the fraction (round toward zero). */
    TOWARD_ZERO,
    /** Round toward minus infinity. */
    FLOOR,
    /**
     * {@code k = floor(y + u)} with {@code u = j * 2^-24}, {@code j} uniform in {@code [0, 2^24)}
     * drawn from {@link CounterRng} keyed by (seed, stream, element index): rounds up with
     * probability equal to the fraction of {@code y} (to within 2^-24), so it is unbiased.
     */
    STOCHASTIC;

    /** The default mode of every bitflex quantizer. */
    public static final Rounding DEFAULT = NEAREST_EVEN;
}

package bitflex.engine.fixed;

/**
 * How many elements of one quantization fell outside the format's range after rounding: clamped
 * under {@link Overflow#SATURATE}, wrapped under {@link Overflow#WRAP}. Precision policies use it
 * to decide when a layer needs more integer bits.
 *
 * @param below elements whose rounded value was below the smallest integer of the format
 * @param above elements whose rounded value was above the largest integer
 * @param total elements quantized
 */
public record ClampStats(long below, long above, long total) {
    public static final ClampStats NONE = new ClampStats(0, 0, 0);

    /** Elements outside the range on either side. */
    public long clamped() {
        return below + above;
    }

    /** Fraction of elements outside the range (0 when nothing was quantized). */
    public double clampedFraction() {
        return total == 0 ? 0 : (double) clamped() / total;
    }

    /** The sum of two statistics. */
    public ClampStats plus(ClampStats o) {
        return new ClampStats(below + o.below, above + o.above, total + o.total);
    }
}

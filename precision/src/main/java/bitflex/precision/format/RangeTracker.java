package bitflex.precision.format;

import bitflex.engine.fixed.FixedPointFormat;

/**
 * Per-tensor dynamic fixed point for activations and gradients: a fixed bitwidth, and the FL that
 * covers the largest magnitude seen over the last {@code window} observations
 * ({@link RangeFormat}). Taking the maximum over a window, not just the latest batch, keeps one
 * unusually small batch from shrinking the range and saturating the next one.
 */
public final class RangeTracker {
    private final String what;
    private final int bits;
    private final double[] maxima;
    private int seen;
    private FixedPointFormat format;

    /**
     * @param what   tensor name for error messages, e.g. {@code "0.weight grad"}
     * @param bits   word length, 1..32
     * @param window observations the range is taken over, at least 1
     */
    public RangeTracker(String what, int bits, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("RangeTracker " + what + ": window must be at least 1, got " + window);
        }
        this.what = what;
        this.bits = bits;
        this.maxima = new double[window];
        this.format = RangeFormat.forMaxAbs(bits, 0);
    }

    /** Records a tensor's values and returns the format for them (and for the next use). */
    public FixedPointFormat observe(float[] values) {
        return observeMaxAbs(RangeFormat.maxAbs(what, values));
    }

    /** Records a tensor's largest magnitude (for callers that already know it). */
    public FixedPointFormat observeMaxAbs(double maxAbs) {
        if (!(maxAbs >= 0) || Double.isInfinite(maxAbs)) {
            throw new IllegalArgumentException("RangeTracker " + what + ": max |x| must be finite, got " + maxAbs);
        }
        maxima[seen % maxima.length] = maxAbs;
        seen++;
        double m = 0;
        for (int i = 0; i < Math.min(seen, maxima.length); i++) {
            m = Math.max(m, maxima[i]);
        }
        format = RangeFormat.forMaxAbs(bits, m);
        return format;
    }

    /** The current format (FL 1 below the bitwidth's sign bit before any observation). */
    public FixedPointFormat format() {
        return format;
    }
}

package bitflex.precision;

/**
 * Reductions over a layer's float arrays that the policies run every step: sum of squares, sum of
 * magnitudes, largest magnitude. Accumulated in double over eight interleaved partial sums combined
 * in a fixed order, which breaks the add-latency chain of a single accumulator (several times
 * faster) while the result stays the same on every machine, vector width and thread count.
 *
 * <p>Non-finite elements are not checked in the loop: they make the result non-finite, and only
 * then is the array scanned for the first offending index, which the exception names.
 */
public final class ArrayStats {
    private ArrayStats() {}

    private static final int LANES = 8;

    /** {@code sum x_i^2} in double. */
    public static double sumOfSquares(String what, float[] x) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int n = x.length;
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            double a0 = x[i], a1 = x[i + 1], a2 = x[i + 2], a3 = x[i + 3];
            double a4 = x[i + 4], a5 = x[i + 5], a6 = x[i + 6], a7 = x[i + 7];
            s0 += a0 * a0; s1 += a1 * a1; s2 += a2 * a2; s3 += a3 * a3;
            s4 += a4 * a4; s5 += a5 * a5; s6 += a6 * a6; s7 += a7 * a7;
        }
        for (; i < n; i++) {
            double a = x[i];
            s0 += a * a;
        }
        double s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        return requireFinite(what, x, s);
    }

    /** {@code sum |x_i|} in double. */
    public static double sumAbs(String what, float[] x) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int n = x.length;
        int i = 0;
        for (; i <= n - LANES; i += LANES) {
            s0 += Math.abs(x[i]); s1 += Math.abs(x[i + 1]); s2 += Math.abs(x[i + 2]); s3 += Math.abs(x[i + 3]);
            s4 += Math.abs(x[i + 4]); s5 += Math.abs(x[i + 5]); s6 += Math.abs(x[i + 6]); s7 += Math.abs(x[i + 7]);
        }
        for (; i < n; i++) {
            s0 += Math.abs(x[i]);
        }
        double s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        return requireFinite(what, x, s);
    }

    /** {@code max |x_i|} (0 for an empty array); exact, so order does not matter. */
    public static double maxAbs(String what, float[] x) {
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        int n = x.length;
        int i = 0;
        for (; i <= n - 4; i += 4) {
            m0 = Math.max(m0, Math.abs(x[i]));
            m1 = Math.max(m1, Math.abs(x[i + 1]));
            m2 = Math.max(m2, Math.abs(x[i + 2]));
            m3 = Math.max(m3, Math.abs(x[i + 3]));
        }
        for (; i < n; i++) {
            m0 = Math.max(m0, Math.abs(x[i]));
        }
        return requireFinite(what, x, Math.max(Math.max(m0, m1), Math.max(m2, m3)));
    }

    private static double requireFinite(String what, float[] x, double result) {
        if (Double.isFinite(result)) {
            return result;
        }
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                throw new IllegalArgumentException(what + "[" + i + "] = " + x[i] + " is not finite");
            }
        }
        // Finite elements can only overflow a sum of squares (|x| > ~1e154 is impossible for floats).
        throw new IllegalArgumentException(what + ": sum overflowed");
    }
}

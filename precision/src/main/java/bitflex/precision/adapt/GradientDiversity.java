package bitflex.precision.adapt;

import bitflex.nn.checkpoint.Checkpoint;
import bitflex.precision.ArrayStats;

/**
 * AdaPT's gradient-diversity accumulator for one layer: the count {@code n} of gradients seen since
 * the last switch and the sum {@code S} of their unit-normalised copies. Diversity
 * {@code GD = n / ||S||} is 1 when all gradients point the same way and grows as they disagree.
 *
 * <p>A gradient that is exactly zero has no direction; it is not counted (the public code would
 * divide by zero). Sums are in double so the result does not depend on the magnitude spread.
 */
public final class GradientDiversity {
    private final double[] sum;
    private double sumNormSquared;
    private int count;

    public GradientDiversity(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("GradientDiversity: size must be positive, got " + size);
        }
        this.sum = new double[size];
    }

    /**
     * Adds {@code g / ||g||} to S and counts it.
     *
     * @return false (and nothing changes) if the gradient is all zeros
     * @throws IllegalArgumentException on a length mismatch or a non-finite element (named by index)
     */
    public boolean add(float[] gradient) {
        if (gradient.length != sum.length) {
            throw new IllegalArgumentException("GradientDiversity: gradient has " + gradient.length
                    + " elements, layer has " + sum.length);
        }
        double sq = ArrayStats.sumOfSquares("GradientDiversity: gradient", gradient);
        if (sq == 0.0) {
            return false;
        }
        double inv = 1.0 / Math.sqrt(sq);
        // Update S and its squared norm in one pass, eight partial sums in a fixed order (see ArrayStats).
        double[] s = sum;
        double q0 = 0, q1 = 0, q2 = 0, q3 = 0, q4 = 0, q5 = 0, q6 = 0, q7 = 0;
        int n = s.length;
        int i = 0;
        for (; i <= n - 8; i += 8) {
            double v0 = s[i] += gradient[i] * inv;
            double v1 = s[i + 1] += gradient[i + 1] * inv;
            double v2 = s[i + 2] += gradient[i + 2] * inv;
            double v3 = s[i + 3] += gradient[i + 3] * inv;
            double v4 = s[i + 4] += gradient[i + 4] * inv;
            double v5 = s[i + 5] += gradient[i + 5] * inv;
            double v6 = s[i + 6] += gradient[i + 6] * inv;
            double v7 = s[i + 7] += gradient[i + 7] * inv;
            q0 += v0 * v0; q1 += v1 * v1; q2 += v2 * v2; q3 += v3 * v3;
            q4 += v4 * v4; q5 += v5 * v5; q6 += v6 * v6; q7 += v7 * v7;
        }
        for (; i < n; i++) {
            double v = s[i] += gradient[i] * inv;
            q0 += v * v;
        }
        sumNormSquared = ((q0 + q1) + (q2 + q3)) + ((q4 + q5) + (q6 + q7));
        count++;
        return true;
    }

    /** Length of the gradients this accumulator takes. */
    public int size() {
        return sum.length;
    }

    /** Gradients counted since the last reset. */
    public int count() {
        return count;
    }

    /**
     * {@code n / ||S||}: at least 1 for n >= 1 (triangle inequality); NaN before any gradient;
     * +Infinity if the unit gradients cancel exactly.
     */
    public double diversity() {
        if (count == 0) {
            return Double.NaN;
        }
        double sq = sumNormSquared;
        // Rounding can put ||S|| a hair above n when all gradients agree; GD >= 1 by definition.
        return Math.max(1.0, count / Math.sqrt(sq));
    }

    /** S as raw double bits, its squared norm and n, so a restored window continues exactly. */
    public void saveState(Checkpoint c, String prefix) {
        long[] bits = new long[sum.length];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = Double.doubleToRawLongBits(sum[i]);
        }
        c.putLongs(prefix + "sum", new int[] {bits.length}, bits);
        c.putLongs(prefix + "norm_count", new int[] {2}, new long[] {Double.doubleToRawLongBits(sumNormSquared), count});
    }

    public void loadState(Checkpoint c, String prefix) {
        long[] bits = c.longs(prefix + "sum");
        if (bits.length != sum.length) {
            throw new IllegalArgumentException("GradientDiversity: saved sum has " + bits.length + " elements, layer has "
                    + sum.length);
        }
        for (int i = 0; i < bits.length; i++) {
            sum[i] = Double.longBitsToDouble(bits[i]);
        }
        long[] nc = c.longs(prefix + "norm_count");
        sumNormSquared = Double.longBitsToDouble(nc[0]);
        count = (int) nc[1];
    }

    public void reset() {
        java.util.Arrays.fill(sum, 0.0);
        sumNormSquared = 0;
        count = 0;
    }
}

package bitflex.precision.adapt;

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
        double sq = 0.0;
        for (int i = 0; i < gradient.length; i++) {
            float g = gradient[i];
            if (!Float.isFinite(g)) {
                throw new IllegalArgumentException("GradientDiversity: gradient[" + i + "] = " + g
                        + " is not finite");
            }
            sq += (double) g * g;
        }
        if (sq == 0.0) {
            return false;
        }
        double inv = 1.0 / Math.sqrt(sq);
        for (int i = 0; i < gradient.length; i++) {
            sum[i] += gradient[i] * inv;
        }
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
        double sq = 0.0;
        for (double s : sum) {
            sq += s * s;
        }
        // Rounding can put ||S|| a hair above n when all gradients agree; GD >= 1 by definition.
        return Math.max(1.0, count / Math.sqrt(sq));
    }

    public void reset() {
        java.util.Arrays.fill(sum, 0.0);
        count = 0;
    }
}

package bitflex.precision.adapt;

/**
 * Kullback-Leibler divergence {@code D_KL(P || Q)} between two histograms over the same bins, in
 * nats, with epsilon smoothing so that empty bins of {@code Q} give a finite value.
 *
 * <p>Each histogram is normalised on its own and smoothed as {@code p_i = (c_i / N + eps) /
 * (1 + R eps)}. The sum is evaluated term by term as {@code p_i (t_i - 1 - ln t_i)} with
 * {@code t_i = q_i / p_i}, which equals {@code sum p_i ln(p_i / q_i)} because both
 * distributions sum to one, but has a non-negative term for every bin (exactly zero where the bins
 * agree). So the result is never negative through rounding, and is exactly 0 for equal histograms,
 * which lets the push-down use the paper's threshold tau = 0 without guessing a tolerance.
 *
 * <p>Unlike the public AdaPT code (a library loss with swapped arguments evaluated on one output
 * slice), this is the textbook divergence of the weights' histogram P from the quantized Q.
 */
public final class KlDivergence {
    private KlDivergence() {}

    /** Below this |r| the series of {@code r - ln(1+r)} is used; it loses nothing there. */
    private static final double SERIES_LIMIT = 1e-4;

    /**
     * {@code D_KL(P || Q)} of two count histograms with smoothing {@code eps > 0}.
     *
     * @throws IllegalArgumentException if lengths differ, a histogram is empty or all-zero, a count
     *                                  is negative, or eps is not positive and finite
     */
    public static double of(long[] p, long[] q, double eps) {
        if (p.length != q.length) {
            throw new IllegalArgumentException("KlDivergence: histograms have " + p.length + " and "
                    + q.length + " bins");
        }
        if (p.length == 0) {
            throw new IllegalArgumentException("KlDivergence: histograms have no bins");
        }
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("KlDivergence: eps must be positive and finite, got " + eps);
        }
        double np = total("P", p);
        double nq = total("Q", q);
        double norm = 1.0 + p.length * eps;
        double sum = 0.0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] * nq == q[i] * np) {
                continue; // equal normalised bins contribute exactly 0
            }
            double pi = (p[i] / np + eps) / norm;
            double qi = (q[i] / nq + eps) / norm;
            sum += pi * ratioTerm(qi / pi);
        }
        return sum;
    }

    /**
     * {@code t - 1 - ln t} for a ratio {@code t = q_i / p_i > 0}: non-negative, zero only at 1.
     * Taking the logarithm of {@code t} itself (not {@code log1p(t - 1)}) keeps full accuracy when
     * {@code t} is near 0, where forming {@code t - 1} would lose the digits of {@code t}.
     */
    static double ratioTerm(double t) {
        double r = t - 1.0; // exact for t in [0.5, 2] (Sterbenz), which covers the series range
        if (Math.abs(r) < SERIES_LIMIT) {
            // r^2/2 - r^3/3 + r^4/4; the next term is below 1e-20 relative to the first.
            double r2 = r * r;
            return r2 * (0.5 - r / 3.0 + r2 / 4.0);
        }
        return Math.max(0.0, r - Math.log(t));
    }

    private static double total(String name, long[] h) {
        long n = 0;
        for (int i = 0; i < h.length; i++) {
            if (h[i] < 0) {
                throw new IllegalArgumentException("KlDivergence: " + name + "[" + i + "] = " + h[i]
                        + " is negative");
            }
            n += h[i];
        }
        if (n == 0) {
            throw new IllegalArgumentException("KlDivergence: histogram " + name + " is empty");
        }
        return n;
    }
}

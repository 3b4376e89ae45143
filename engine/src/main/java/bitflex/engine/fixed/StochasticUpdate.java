package bitflex.engine.fixed;

import bitflex.engine.parallel.Parallel;

/**
 * The update of integer weights by a gradient, with stochastic rounding, so that an update smaller
 * than one grid step survives in expectation (DESIGN.md section 4, INTEGER mode).
 *
 * <p>Weights are integers {@code k_i} of format {@code wf} (value {@code k_i 2^-FLw}); the gradient
 * is integers {@code g_i} at fractional length {@code FLg}. The update in weight grid steps is
 * {@code x_i = -lr * g_i * 2^(FLw - FLg)}, and the new integer is
 * {@code k_i + floor(x_i + u_i)} with {@code u_i = j_i 2^-24}, {@code j_i} drawn by
 * {@link CounterRng} from (seed, stream, i). So {@code E[floor(x + u)] = x} up to the 2^-24
 * resolution of {@code u}: the update is unbiased, and the result does not depend on the thread
 * count or the order of work. {@code x_i} is computed in double ({@code g_i} has at most 32 bits,
 * so the only rounding is the product with {@code lr}, a relative 2^-53).
 *
 * <p>The caller first asks {@link #maxAbsAfter} how large the updated integers get, so that it can
 * widen the range (drop fractional bits) instead of saturating, then {@link #apply} computes the
 * same draws again and stores the result, shifted to the target fractional length.
 */
public final class StochasticUpdate {
    /** Elements per parallel task: fixed, so the split never depends on the thread count. */
    private static final int CHUNK = 1 << 14;
    private static final double TWO24 = 0x1p24;
    /** Updates are clamped to +-2^50 steps: far beyond any format, and exact in a double. */
    private static final double LIMIT = 0x1p50;

    private StochasticUpdate() {}

    /** The largest {@code |k_i + delta_i|} of the update, without storing anything. */
    public static long maxAbsAfter(FixedPointFormat wf, Object w, int gradFl, Object g, double lr, long seed, long stream) {
        int n = check(wf, w, g, lr);
        double scale = scale(wf, gradFl, lr);
        long key = CounterRng.key(seed, stream);
        int k0 = CounterRng.k0(key);
        int k1 = CounterRng.k1(key);
        int chunks = (n + CHUNK - 1) / CHUNK;
        long[] max = new long[chunks];
        Parallel.forEach(chunks, c -> {
            int lo = c * CHUNK;
            int hi = Math.min(n, lo + CHUNK);
            long m = 0;
            for (int i = lo; i < hi; i++) {
                long r = FormatConversion.get(w, i, wf) + delta(gradient(g, i) * scale, i, k0, k1);
                m = Math.max(m, Math.abs(r));
            }
            max[c] = m;
        });
        long m = 0;
        for (long v : max) {
            m = Math.max(m, v);
        }
        return m;
    }

    /**
     * Applies the update: element {@code i} of {@code dst} becomes
     * {@code fit(shiftRound(k_i + delta_i, FLw - FLto, NEAREST_EVEN))} in format {@code to}
     * (saturating). {@code to} must have the same storage type as {@code wf} when {@code dst == w}.
     * Returns how many elements saturated.
     */
    public static ClampStats apply(FixedPointFormat wf, Object w, int gradFl, Object g, double lr, long seed, long stream,
                                   FixedPointFormat to, Object dst) {
        int n = check(wf, w, g, lr);
        Quantizer.kindOf(dst, to.storage(), "StochasticUpdate dst");
        if (Quantizer.lengthOf(dst) != n) {
            throw new IllegalArgumentException("StochasticUpdate: dst has " + Quantizer.lengthOf(dst) + " elements, weights " + n);
        }
        double scale = scale(wf, gradFl, lr);
        int shift = wf.fracLength() - to.fracLength();
        long key = CounterRng.key(seed, stream);
        int k0 = CounterRng.k0(key);
        int k1 = CounterRng.k1(key);
        int chunks = (n + CHUNK - 1) / CHUNK;
        long[] counts = new long[2 * chunks];
        Parallel.forEach(chunks, c -> {
            int lo = c * CHUNK;
            int hi = Math.min(n, lo + CHUNK);
            long below = 0;
            long above = 0;
            for (int i = lo; i < hi; i++) {
                long r = FormatConversion.get(w, i, wf) + delta(gradient(g, i) * scale, i, k0, k1);
                r = ExactRounding.shiftRound(r, shift, Rounding.NEAREST_EVEN, 0);
                if (r < to.minInt()) {
                    below++;
                } else if (r > to.maxInt()) {
                    above++;
                }
                FormatConversion.set(dst, i, ExactRounding.fit(r, to, Overflow.SATURATE));
            }
            counts[2 * c] = below;
            counts[2 * c + 1] = above;
        });
        long below = 0;
        long above = 0;
        for (int c = 0; c < chunks; c++) {
            below += counts[2 * c];
            above += counts[2 * c + 1];
        }
        return new ClampStats(below, above, n);
    }

    /** {@code floor(x + j 2^-24)} for element {@code i}: stochastic rounding of {@code x}. */
    static long delta(double x, int i, int k0, int k1) {
        if (x == 0) {
            return 0;
        }
        x = Math.max(-LIMIT, Math.min(LIMIT, x));
        double f = Math.floor(x);
        double frac = x - f;
        int j = CounterRng.uniform24(i, k0, k1);
        return (long) f + (j + frac * TWO24 >= TWO24 ? 1 : 0);
    }

    private static double scale(FixedPointFormat wf, int gradFl, double lr) {
        FixedPointFormat.checkFracLength("StochasticUpdate gradient fracLength", gradFl);
        return -Math.scalb(lr, wf.fracLength() - gradFl);
    }

    private static long gradient(Object g, int i) {
        return switch (g) {
            case byte[] b -> b[i];
            case short[] s -> s[i];
            case int[] a -> a[i];
            case long[] l -> l[i];
            default -> throw new IllegalArgumentException("StochasticUpdate: gradient is not an integer array: "
                    + g.getClass().getSimpleName());
        };
    }

    private static int check(FixedPointFormat wf, Object w, Object g, double lr) {
        Quantizer.kindOf(w, wf.storage(), "StochasticUpdate weights");
        if (!wf.signed()) {
            throw new IllegalArgumentException("StochasticUpdate: weights must have a signed format, got " + wf);
        }
        int n = Quantizer.lengthOf(w);
        int gn = switch (g) {
            case long[] l -> l.length;
            default -> Quantizer.lengthOf(g);
        };
        if (gn != n) {
            throw new IllegalArgumentException("StochasticUpdate: gradient has " + gn + " elements, weights " + n);
        }
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("StochasticUpdate: lr must be finite and >= 0, got " + lr);
        }
        return n;
    }
}

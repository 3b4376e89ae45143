package bitflex.engine.fixed;

import bitflex.engine.memory.ScratchMemory;
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
            int len = Math.min(n, lo + CHUNK) - lo;
            long[][] buf = BUFFERS.get();
            load(w, lo, len, buf[0]);
            load(g, lo, len, buf[1]);
            long m = 0;
            for (int t = 0; t < len; t++) {
                m = Math.max(m, Math.abs(buf[0][t] + delta(buf[1][t] * scale, lo + t, k0, k1)));
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
     * Returns how many elements saturated and the largest stored magnitude.
     */
    public static Outcome apply(FixedPointFormat wf, Object w, int gradFl, Object g, double lr, long seed, long stream,
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
        long[] counts = new long[3 * chunks];
        long minK = to.minInt();
        long maxK = to.maxInt();
        Parallel.forEach(chunks, c -> {
            int lo = c * CHUNK;
            int len = Math.min(n, lo + CHUNK) - lo;
            long[][] buf = BUFFERS.get();
            long[] k = buf[0];
            load(w, lo, len, k);
            load(g, lo, len, buf[1]);
            long below = 0;
            long above = 0;
            long m = 0;
            for (int t = 0; t < len; t++) {
                long r = k[t] + delta(buf[1][t] * scale, lo + t, k0, k1);
                if (shift != 0) {
                    r = ExactRounding.shiftRound(r, shift, Rounding.NEAREST_EVEN, 0);
                }
                if (r < minK) {
                    below++;
                    r = minK;
                } else if (r > maxK) {
                    above++;
                    r = maxK;
                }
                k[t] = r;
                m = Math.max(m, Math.abs(r));
            }
            store(k, dst, lo, len);
            counts[3 * c] = below;
            counts[3 * c + 1] = above;
            counts[3 * c + 2] = m;
        });
        long below = 0;
        long above = 0;
        long max = 0;
        for (int c = 0; c < chunks; c++) {
            below += counts[3 * c];
            above += counts[3 * c + 1];
            max = Math.max(max, counts[3 * c + 2]);
        }
        return new Outcome(new ClampStats(below, above, n), max);
    }

    /**
     * What {@link #apply} did: how many elements saturated, and the largest magnitude stored (so the
     * caller can bound the next update without a pass over the weights).
     */
    public record Outcome(ClampStats clamps, long maxAbs) {}

    /**
     * An upper bound on {@code |k_i + delta_i|} from a bound on the current weights and on the
     * gradient's integers, without touching the arrays: {@code maxK + ceil(maxG |scale|) + 1}.
     */
    public static long maxAbsBound(long maxK, long maxG, FixedPointFormat wf, int gradFl, double lr) {
        double d = Math.ceil((double) maxG * Math.abs(scale(wf, gradFl, lr))) + 1;
        return d >= 0x1p52 ? Long.MAX_VALUE / 2 : maxK + (long) d;
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

    /** Per-thread buffers of one chunk's weights and gradients, widened to long. */
    private static final ThreadLocal<long[][]> BUFFERS = ThreadLocal.withInitial(() -> new long[][] {ScratchMemory.longs(CHUNK), ScratchMemory.longs(CHUNK)});

    /** Widens {@code len} signed integers starting at {@code off} (type dispatch once per chunk, not per element). */
    private static void load(Object a, int off, int len, long[] out) {
        switch (a) {
            case byte[] b -> {
                for (int t = 0; t < len; t++) {
                    out[t] = b[off + t];
                }
            }
            case short[] s -> {
                for (int t = 0; t < len; t++) {
                    out[t] = s[off + t];
                }
            }
            case int[] x -> {
                for (int t = 0; t < len; t++) {
                    out[t] = x[off + t];
                }
            }
            case long[] l -> System.arraycopy(l, off, out, 0, len);
            default -> throw new IllegalArgumentException("StochasticUpdate: not an integer array: " + a.getClass().getSimpleName());
        }
    }

    /** Narrows in-range values back into a storage array. */
    private static void store(long[] v, Object a, int off, int len) {
        switch (a) {
            case byte[] b -> {
                for (int t = 0; t < len; t++) {
                    b[off + t] = (byte) v[t];
                }
            }
            case short[] s -> {
                for (int t = 0; t < len; t++) {
                    s[off + t] = (short) v[t];
                }
            }
            case int[] x -> {
                for (int t = 0; t < len; t++) {
                    x[off + t] = (int) v[t];
                }
            }
            default -> throw new IllegalArgumentException("StochasticUpdate: not a storage array: " + a.getClass().getSimpleName());
        }
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

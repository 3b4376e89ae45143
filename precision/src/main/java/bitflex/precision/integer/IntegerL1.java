package bitflex.precision.integer;

import bitflex.engine.fixed.CounterRng;
import bitflex.engine.parallel.Parallel;

/**
 * The L1 subgradient {@code lambda1 sign(w)} added to integer weight-gradient codes without a float
 * master: in the gradient's format one unit is {@code 2^-FLg}, so each nonzero weight adds
 * {@code SR(lambda1 sign(w) 2^FLg)}, stochastically rounded with the counter generator (unbiased,
 * and a pure function of seed, stream and element, so the thread count does not matter). A zero
 * weight gets no push, so an exact zero stays one unless the loss gradient moves it.
 */
final class IntegerL1 {
    private static final int GRAIN = 4096;
    /** Beyond 2^52 a double no longer holds every integer; no sensible lambda1 gets near. */
    private static final double MAX_PUSH = 0x1p52;

    private IntegerL1() {}

    /**
     * The gradient codes {@code g} (at {@code 2^-gradFl}) plus the rounded subgradient, written into
     * {@code out} (a {@code long[]}: the sum may not fit the gradient's word length) and returned.
     */
    static long[] add(Object weights, Object g, int gradFl, double lambda1, long seed, long stream, long[] out) {
        int n = IntArith.length(g);
        if (IntArith.length(weights) != n || out.length != n) {
            throw new IllegalArgumentException("integer L1: weights have " + IntArith.length(weights) + " elements, output "
                    + out.length + ", gradient " + n);
        }
        double push = Math.min(MAX_PUSH, lambda1 * Math.scalb(1.0, gradFl));
        long key = CounterRng.key(seed, stream);
        int k0 = CounterRng.k0(key);
        int k1 = CounterRng.k1(key);
        Parallel.forRange(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                long w = IntArith.get(weights, i);
                long d = 0;
                if (w != 0) {
                    double x = w > 0 ? push : -push;
                    d = (long) Math.floor(x + CounterRng.uniform24(i, k0, k1) * 0x1p-24);
                }
                out[i] = IntArith.get(g, i) + d;
            }
        });
        return out;
    }

    static long maxAbs(long[] a) {
        long m = 0;
        for (long v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

}

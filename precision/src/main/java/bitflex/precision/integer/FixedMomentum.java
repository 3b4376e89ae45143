package bitflex.precision.integer;

import bitflex.engine.fixed.CounterRng;
import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.Storage;
import bitflex.engine.memory.ScratchMemory;
import bitflex.engine.parallel.Parallel;
import bitflex.precision.format.RangeFormat;

/**
 * SGD momentum whose velocity lives in fixed point: {@code v = mu v + g} is computed per element in
 * double from the integers (exact up to the product with {@code mu}), then stored with stochastic
 * rounding in {@code bits} with FL from the new velocity's largest magnitude. The update then uses
 * {@code v} in place of the gradient. The velocity is allocated once, at the first step.
 */
final class FixedMomentum {
    private static final int CHUNK = 1 << 14;
    private final String what;
    private final int bits;
    private Object storage;
    private FixedPointFormat format;
    /** Each chunk's largest |v| of the step, kept so a step allocates no array for it. */
    private double[] chunkMax = new double[0];

    FixedMomentum(String what, int bits) {
        this.what = what;
        this.bits = bits;
    }

    /** The velocity's integers (null before the first step). */
    Object storage() {
        return storage;
    }

    /** The velocity's format (null before the first step). */
    FixedPointFormat format() {
        return format;
    }

    /** Puts back a saved velocity (null storage: none yet). */
    void restore(Object savedStorage, FixedPointFormat savedFormat) {
        storage = savedStorage;
        format = savedFormat;
    }

    long bytes() {
        return storage == null ? 0 : (long) IntArith.length(storage) * format.storage().bits / 8;
    }

    /** {@code v = mu v + g} for gradient integers {@code g} at {@code gradFl}. */
    void accumulate(Object g, int gradFl, double mu, long seed, long stream) {
        int n = IntArith.length(g);
        if (storage == null) {
            storage = Storage.forWordLength(bits).allocate(n);
            format = FixedPointFormat.signed(bits, 0);
        } else if (IntArith.length(storage) != n) {
            throw new IllegalArgumentException("momentum of " + what + ": gradient has " + n + " elements, velocity " + IntArith.length(storage));
        }
        // v and g are integers times powers of two: scaling by 2^-FL is an exact multiplication.
        double vs = mu * Math.scalb(1.0, -format.fracLength());
        double gs = Math.scalb(1.0, -gradFl);
        Object v = storage;
        int chunks = (n + CHUNK - 1) / CHUNK;
        if (chunkMax.length != chunks) {
            chunkMax = new double[chunks];
        }
        double[] max = chunkMax;
        Parallel.forEach(chunks, c -> {
            int lo = c * CHUNK;
            int len = Math.min(n, lo + CHUNK) - lo;
            double[] x = BUFFER.get();
            values(v, vs, g, gs, lo, len, x);
            double m = 0;
            for (int t = 0; t < len; t++) {
                m = Math.max(m, Math.abs(x[t]));
            }
            max[c] = m;
        });
        double m = 0;
        for (double x : max) {
            m = Math.max(m, x);
        }
        FixedPointFormat to = RangeFormat.forMaxAbs(bits, m);
        double scale = Math.scalb(1.0, to.fracLength());
        long key = CounterRng.key(seed, stream);
        int k0 = CounterRng.k0(key);
        int k1 = CounterRng.k1(key);
        long lo = to.minInt();
        long hi = to.maxInt();
        Parallel.forEach(chunks, c -> {
            int off = c * CHUNK;
            int len = Math.min(n, off + CHUNK) - off;
            double[] x = BUFFER.get();
            values(v, vs, g, gs, off, len, x);
            for (int t = 0; t < len; t++) {
                double y = x[t] * scale;
                double f = Math.floor(y);
                int j = CounterRng.uniform24(off + t, k0, k1);
                long k = (long) f + (j + (y - f) * 0x1p24 >= 0x1p24 ? 1 : 0);
                set(v, off + t, Math.max(lo, Math.min(hi, k)));
            }
        });
        format = to;
    }

    private static final ThreadLocal<double[]> BUFFER = ThreadLocal.withInitial(() -> ScratchMemory.doubles(CHUNK));

    /** {@code x[t] = vs v[off+t] + gs g[off+t]}, with the element type resolved once per chunk. */
    private static void values(Object v, double vs, Object g, double gs, int off, int len, double[] x) {
        switch (v) {
            case short[] s -> {
                for (int t = 0; t < len; t++) {
                    x[t] = vs * s[off + t];
                }
            }
            default -> {
                for (int t = 0; t < len; t++) {
                    x[t] = vs * IntArith.get(v, off + t);
                }
            }
        }
        switch (g) {
            case byte[] b -> {
                for (int t = 0; t < len; t++) {
                    x[t] += gs * b[off + t];
                }
            }
            case short[] s -> {
                for (int t = 0; t < len; t++) {
                    x[t] += gs * s[off + t];
                }
            }
            case long[] l -> {
                for (int t = 0; t < len; t++) {
                    x[t] += gs * l[off + t];
                }
            }
            default -> {
                for (int t = 0; t < len; t++) {
                    x[t] += gs * IntArith.get(g, off + t);
                }
            }
        }
    }

    private static void set(Object a, int i, long k) {
        switch (a) {
            case byte[] b -> b[i] = (byte) k;
            case short[] s -> s[i] = (short) k;
            case int[] x -> x[i] = (int) k;
            default -> throw new IllegalArgumentException("not a storage array: " + a.getClass().getSimpleName());
        }
    }

}

package bitflex.engine.fixed;

import bitflex.engine.parallel.Parallel;

/**
 * Converts integers from one fixed-point format to another:
 * {@code k' = fit(round(k * 2^(FL' - FL)))} with the target quantizer's rounding and overflow,
 * exactly (the same result as dequantizing to an exact real and quantizing again).
 *
 * <p>When the target has at least as many fractional bits, the conversion is an exact left shift
 * followed only by the overflow check (the fast path: no rounding, no random draws). Otherwise
 * {@link ExactRounding#shiftRound} rounds the right shift; stochastic rounding draws
 * {@code u} for element {@code i} at counter {@code counterBase + i}.
 */
public final class FormatConversion {
    private FormatConversion() {}

    /** Reads element {@code i} of a storage array of format {@code f} as its integer value. */
    public static long get(Object storage, int i, FixedPointFormat f) {
        int raw = switch (storage) {
            case byte[] b -> b[i];
            case short[] s -> s[i];
            case int[] a -> a[i];
            default -> throw new IllegalArgumentException("not a storage array: " + storage.getClass().getSimpleName());
        };
        return ExactRounding.decode(raw, f);
    }

    /** Writes an in-range integer of format {@code f} into element {@code i} of its storage array. */
    public static void set(Object storage, int i, long k) {
        switch (storage) {
            case byte[] b -> b[i] = (byte) k;
            case short[] s -> s[i] = (short) k;
            case int[] a -> a[i] = (int) k;
            default -> throw new IllegalArgumentException("not a storage array: " + storage.getClass().getSimpleName());
        }
    }

    /** Converts a whole storage array of format {@code from} to {@code to.format()}. */
    public static Object convert(FixedPointFormat from, Object src, Quantizer to) {
        Object dst = to.format().storage().allocate(Quantizer.lengthOf(src));
        convert(from, src, 0, to, dst, 0, Quantizer.lengthOf(src), 0);
        return dst;
    }

    /** Converts {@code n} elements; returns how many were clamped or wrapped. */
    public static ClampStats convert(FixedPointFormat from, Object src, int srcOff, Quantizer to,
                                     Object dst, int dstOff, int n, int counterBase) {
        Quantizer.kindOf(src, from.storage(), "convert src");
        Quantizer.kindOf(dst, to.format().storage(), "convert dst");
        Quantizer.checkRange("convert src", Quantizer.lengthOf(src), srcOff, n);
        Quantizer.checkRange("convert dst", Quantizer.lengthOf(dst), dstOff, n);
        FixedPointFormat f = to.format();
        int s = from.fracLength() - f.fracLength();
        long key = CounterRng.key(to.seed(), to.stream());
        int k0 = CounterRng.k0(key);
        int k1 = CounterRng.k1(key);
        int chunks = (n + Quantizer.CHUNK - 1) / Quantizer.CHUNK;
        long[] counts = new long[2 * chunks];
        Parallel.forEach(chunks, c -> {
            int lo = c * Quantizer.CHUNK;
            int hi = Math.min(n, lo + Quantizer.CHUNK);
            long below = 0;
            long above = 0;
            for (int i = lo; i < hi; i++) {
                long k = get(src, srcOff + i, from);
                long r;
                if (s <= 0) {
                    r = ExactRounding.shiftRound(k, s, Rounding.FLOOR, 0); // exact left shift
                } else {
                    int j = to.rounding() == Rounding.STOCHASTIC ? CounterRng.uniform24(counterBase + i, k0, k1) : 0;
                    r = ExactRounding.shiftRound(k, s, to.rounding(), j);
                }
                if (r < f.minInt()) {
                    below++;
                } else if (r > f.maxInt()) {
                    above++;
                }
                set(dst, dstOff + i, ExactRounding.fit(r, f, to.overflow()));
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
}

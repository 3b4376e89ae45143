package bitflex.precision.integer;

import bitflex.engine.fixed.ExactRounding;
import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.Overflow;
import bitflex.engine.fixed.QTensor;
import bitflex.engine.fixed.Quantizer;
import bitflex.engine.fixed.Rounding;
import bitflex.engine.fixed.gemm.Accumulator;
import bitflex.engine.fixed.gemm.IntGemm;
import bitflex.engine.fixed.gemm.Requantize;
import bitflex.engine.tensor.Tensor;
import bitflex.precision.ArrayStats;
import bitflex.precision.format.RangeFormat;

/**
 * The integer plumbing the integer layers share: dynamic fixed-point quantization of float carriers,
 * operand widths for the kernels, bias alignment in the accumulator, and requantization back into a
 * float carrier that holds the exact grid values.
 */
final class IntArith {
    private IntArith() {}

    /** The elements of {@code t} row-major: its own array when dense, else a copy. */
    static float[] dense(Tensor t) {
        return t.isContiguous() ? t.data() : t.toArray();
    }

    /**
     * Quantizes {@code x} to {@code bits} with FL from its largest magnitude (RangeFormat: the
     * integer bits cover it, so nothing saturates); {@code name} appears in NaN errors.
     */
    static QTensor quantizeDynamic(String name, float[] x, int[] shape, int bits, Rounding rounding, long seed, long stream) {
        FixedPointFormat f = RangeFormat.forMaxAbs(bits, ArrayStats.maxAbs(name, x));
        return QTensor.quantize(name, x, shape, Quantizer.of(f).withRounding(rounding).withSeed(seed, stream));
    }

    static boolean int8(QTensor a, QTensor b) {
        return a.format().wordLength() <= 8 && b.format().wordLength() <= 8;
    }

    static byte[] bytes(QTensor t) {
        return (byte[]) t.storage();
    }

    /** The integers widened to int16 (the storage itself when it already is short). */
    static short[] shorts(QTensor t) {
        if (t.storage() instanceof short[] s) {
            return s;
        }
        if (!(t.storage() instanceof byte[] b)) {
            throw new IllegalArgumentException("integer mode: operand " + t + " is wider than 16 bits");
        }
        short[] s = new short[b.length];
        for (int i = 0; i < b.length; i++) {
            s[i] = b[i];
        }
        return s;
    }

    /**
     * {@code op(A) op(B)} on the integer GEMM into the modelled accumulator: an {@code int[]} for a
     * narrow (16..32-bit) accumulator, whose values then fit an int, a {@code long[]} for the exact one.
     */
    static Object gemm(boolean ta, boolean tb, int m, int n, int k, QTensor a, QTensor b, Accumulator acc) {
        int lda = a.dim(1);
        int ldb = b.dim(1);
        if (acc.exact()) {
            long[] c = new long[m * n];
            if (int8(a, b)) {
                IntGemm.gemmExact(ta, tb, m, n, k, bytes(a), 0, lda, bytes(b), 0, ldb, c, 0, n);
            } else {
                IntGemm.gemmExact(ta, tb, m, n, k, shorts(a), 0, lda, shorts(b), 0, ldb, c, 0, n);
            }
            return c;
        }
        int[] c = new int[m * n];
        if (int8(a, b)) {
            IntGemm.gemm(ta, tb, m, n, k, bytes(a), 0, lda, bytes(b), 0, ldb, c, 0, n, acc);
        } else {
            IntGemm.gemm(ta, tb, m, n, k, shorts(a), 0, lda, shorts(b), 0, ldb, c, 0, n, acc);
        }
        return c;
    }

    /** Convolution results ({@code long[]}) of a narrow accumulator as {@code int[]} (they fit), for the vector requantizer. */
    static Object narrow(long[] acc, Accumulator a) {
        if (a.exact()) {
            return acc;
        }
        int[] c = new int[acc.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = (int) acc[i];
        }
        return c;
    }

    /**
     * Adds the bias into the accumulator as one more term: {@code acc[(r, ch, p)] += b[ch]} aligned
     * to the accumulator's FL (an exact left shift, or nearest-even rounding when the bias is finer),
     * then the accumulator's overflow rule.
     */
    static void addBias(Object acc, int accFl, QTensor bias, int rows, int channels, int pixels, Accumulator a) {
        int shift = accFl - bias.format().fracLength();
        long[] aligned = new long[channels];
        for (int ch = 0; ch < channels; ch++) {
            long b = bias.get(ch);
            aligned[ch] = shift >= 0 ? (shift > 40 ? (b > 0 ? 1L << 62 : b < 0 ? -(1L << 62) : 0) : b << shift)
                    : ExactRounding.shiftRound(b, -shift, Rounding.NEAREST_EVEN, 0);
        }
        long[] al = acc instanceof long[] l ? l : null;
        int[] ai = acc instanceof int[] x ? x : null;
        for (int r = 0; r < rows; r++) {
            for (int ch = 0; ch < channels; ch++) {
                int off = (r * channels + ch) * pixels;
                long b = aligned[ch];
                if (ai != null) {
                    for (int p = 0; p < pixels; p++) {
                        ai[off + p] = (int) overflow(ai[off + p] + b, a);
                    }
                } else {
                    for (int p = 0; p < pixels; p++) {
                        al[off + p] = overflow(al[off + p] + b, a);
                    }
                }
            }
        }
    }

    private static long overflow(long v, Accumulator a) {
        if (a.exact()) {
            return v;
        }
        return a.overflow() == Overflow.WRAP ? ExactRounding.wrap(v, a.width(), true) : ExactRounding.saturate(v, a.width());
    }

    /**
     * Requantizes accumulator values at {@code accFl} to {@code bits} with FL from their largest
     * magnitude, nearest-even (the engine's exact {@link Requantize}).
     */
    static QTensor requantize(Object acc, int accFl, int bits, int[] shape) {
        long max = 0;
        int n;
        if (acc instanceof int[] c) {
            n = c.length;
            for (int v : c) {
                max = Math.max(max, Math.abs((long) v));
            }
        } else {
            long[] c = (long[]) acc;
            n = c.length;
            for (long v : c) {
                max = Math.max(max, Math.abs(v));
            }
        }
        FixedPointFormat f = RangeFormat.forMaxAbs(bits, Math.scalb((double) max, -accFl));
        if (f.fracLength() >= accFl) {
            // The sums already fit the word length at their own FL (max < 2^(bits-1)): keep them as they
            // are, exactly (the same values the range format would hold, without a shift per element).
            return QTensor.of(FixedPointFormat.signed(bits, accFl), narrowCopy(acc, n, bits), shape);
        }
        Object dst = f.storage().allocate(n);
        int rows = shape.length == 0 || shape[0] == 0 ? 1 : shape[0];
        var stats = acc instanceof int[] c ? Requantize.apply(c, rows, n / rows, accFl, null, null, Quantizer.of(f), dst)
                : Requantize.apply((long[]) acc, rows, n / rows, accFl, null, null, Quantizer.of(f), dst);
        return QTensor.of(f, dst, shape).withClampStats(stats);
    }

    private static Object narrowCopy(Object acc, int n, int bits) {
        Object dst = FixedPointFormat.signed(bits, 0).storage().allocate(n);
        if (acc instanceof int[] c) {
            switch (dst) {
                case byte[] b -> {
                    for (int i = 0; i < n; i++) {
                        b[i] = (byte) c[i];
                    }
                }
                case short[] h -> {
                    for (int i = 0; i < n; i++) {
                        h[i] = (short) c[i];
                    }
                }
                default -> System.arraycopy(c, 0, dst, 0, n);
            }
        } else {
            long[] c = (long[]) acc;
            for (int i = 0; i < n; i++) {
                bitflex.engine.fixed.FormatConversion.set(dst, i, c[i]);
            }
        }
        return dst;
    }

    /** A float carrier (workspace tensor) holding the exact values of {@code q} (exact for WL <= 24). */
    static Tensor carrier(QTensor q) {
        Tensor t = Tensor.empty(q.shape());
        Quantizer.dequantize(q.format(), q.storage(), 0, t.data(), 0, q.size());
        return t;
    }

    /** Per-channel sums of {@code g} (a signed format) over rows and pixels, exact. */
    static long[] channelSums(QTensor g, int rows, int channels, int pixels) {
        long[] s = new long[channels];
        Object st = g.storage();
        for (int r = 0; r < rows; r++) {
            for (int ch = 0; ch < channels; ch++) {
                int off = (r * channels + ch) * pixels;
                long sum = 0;
                switch (st) {
                    case byte[] b -> {
                        for (int p = 0; p < pixels; p++) {
                            sum += b[off + p];
                        }
                    }
                    case short[] h -> {
                        for (int p = 0; p < pixels; p++) {
                            sum += h[off + p];
                        }
                    }
                    default -> {
                        for (int p = 0; p < pixels; p++) {
                            sum += g.get(off + p);
                        }
                    }
                }
                s[ch] += sum;
            }
        }
        return s;
    }

    /** Element {@code i} of an integer storage array (byte, short, int or long). */
    static long get(Object a, int i) {
        return switch (a) {
            case byte[] b -> b[i];
            case short[] s -> s[i];
            case int[] x -> x[i];
            case long[] l -> l[i];
            default -> throw new IllegalArgumentException("not an integer array: " + a.getClass().getSimpleName());
        };
    }

    /** Length of an integer storage array (byte, short, int or long). */
    static int length(Object a) {
        return switch (a) {
            case byte[] b -> b.length;
            case short[] s -> s.length;
            case int[] x -> x.length;
            case long[] l -> l.length;
            default -> throw new IllegalArgumentException("not an integer array: " + a.getClass().getSimpleName());
        };
    }
}

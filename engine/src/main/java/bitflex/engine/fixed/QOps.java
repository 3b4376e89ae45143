package bitflex.engine.fixed;

import bitflex.engine.parallel.Parallel;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * Elementwise arithmetic and pooling directly on quantized tensors.
 *
 * <p>Add, subtract and multiply compute the exact result of the two operands' real values (after
 * aligning fractional lengths by exact shifts, or forming the exact integer product) and round it
 * once into the output quantizer's format with its rounding and overflow. The integer work is in
 * {@code long} (operands shifted by at most 29 bits, products of at most 62 bits); wider cases
 * (fractional lengths more than 29 apart, unsigned 32-bit by 32-bit products) take an exact
 * {@code BigDecimal} path. Stochastic draws use the output element index as counter. Shapes must
 * be equal (no broadcasting).
 */
public final class QOps {
    private static final int CHUNK = 1 << 14;

    private QOps() {}

    /** {@code a + b} rounded into {@code out}'s format. */
    public static QTensor add(QTensor a, QTensor b, Quantizer out) {
        return binary("add", a, b, out, 0);
    }

    /** {@code a - b} rounded into {@code out}'s format. */
    public static QTensor sub(QTensor a, QTensor b, Quantizer out) {
        return binary("sub", a, b, out, 1);
    }

    /** The elementwise product (exact integer products) rounded into {@code out}'s format. */
    public static QTensor mul(QTensor a, QTensor b, Quantizer out) {
        return binary("mul", a, b, out, 2);
    }

    private static QTensor binary(String op, QTensor a, QTensor b, Quantizer out, int kind) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": shapes differ, " + Arrays.toString(a.shape())
                    + " vs " + Arrays.toString(b.shape()));
        }
        int n = a.size();
        FixedPointFormat f = out.format();
        Object dst = f.storage().allocate(n);
        long key = CounterRng.key(out.seed(), out.stream());
        int k0 = CounterRng.k0(key);
        int k1 = CounterRng.k1(key);
        int chunks = (n + CHUNK - 1) / CHUNK;
        long[] counts = new long[2 * chunks];
        boolean wideProduct = magnitudeBits(a.format()) + magnitudeBits(b.format()) > 62;
        Parallel.forEach(chunks, c -> {
            int lo = c * CHUNK;
            int hi = Math.min(n, lo + CHUNK);
            long below = 0;
            long above = 0;
            for (int i = lo; i < hi; i++) {
                int j = out.rounding() == Rounding.STOCHASTIC ? CounterRng.uniform24(i, k0, k1) : 0;
                long x = a.get(i);
                long y = b.get(i);
                int fa = a.fracLengthAt(i);
                int fb = b.fracLengthAt(i);
                long r = kind == 2 ? product(x, fa, y, fb, f.fracLength(), out.rounding(), j, wideProduct)
                        : sum(x, fa, kind == 1 ? -y : y, fb, f.fracLength(), out.rounding(), j);
                if (r < f.minInt()) {
                    below++;
                } else if (r > f.maxInt()) {
                    above++;
                }
                FormatConversion.set(dst, i, ExactRounding.fit(r, f, out.overflow()));
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
        return QTensor.withStats(QTensor.of(f, dst, a.shape()), new ClampStats(below, above, n));
    }

    /** Bits of magnitude of a format's integers: |k| <= 2^bits. */
    static int magnitudeBits(FixedPointFormat f) {
        return f.signed() ? f.wordLength() - 1 : f.wordLength();
    }

    /** round((x * 2^-fx + y * 2^-fy) * 2^fo), unfitted. */
    static long sum(long x, int fx, long y, int fy, int fo, Rounding mode, int j) {
        int hiFl = Math.max(fx, fy);
        int dx = hiFl - fx;
        int dy = hiFl - fy;
        if (Math.max(dx, dy) <= 29) {
            // |x|, |y| <= 2^32, shifted by at most 29: each below 2^61, the sum below 2^62.
            return ExactRounding.shiftRound((x << dx) + (y << dy), hiFl - fo, mode, j);
        }
        BigDecimal v = ExactRounding.exact(BigInteger.valueOf(x), fx).add(ExactRounding.exact(BigInteger.valueOf(y), fy));
        return ExactRounding.roundExact(v.multiply(ExactRounding.exact(BigInteger.ONE, -fo)), mode, j);
    }

    /** round(x * y * 2^-(fx + fy) * 2^fo), unfitted. */
    static long product(long x, int fx, long y, int fy, int fo, Rounding mode, int j, boolean wide) {
        if (!wide) {
            return ExactRounding.shiftRound(x * y, fx + fy - fo, mode, j);
        }
        BigDecimal v = ExactRounding.exact(BigInteger.valueOf(x).multiply(BigInteger.valueOf(y)), fx + fy - fo);
        return ExactRounding.roundExact(v, mode, j);
    }

    /** {@code max(x, 0)} in the same format (and per-channel fractional lengths). */
    public static QTensor relu(QTensor x) {
        int n = x.size();
        Object src = x.storage();
        Object dst = x.format().storage().allocate(n);
        if (!x.format().signed()) {
            System.arraycopy(src, 0, dst, 0, n);
        } else {
            switch (src) {
                case byte[] s -> {
                    byte[] d = (byte[]) dst;
                    for (int i = 0; i < n; i++) {
                        d[i] = (byte) Math.max(s[i], 0);
                    }
                }
                case short[] s -> {
                    short[] d = (short[]) dst;
                    for (int i = 0; i < n; i++) {
                        d[i] = (short) Math.max(s[i], 0);
                    }
                }
                default -> {
                    int[] s = (int[]) src;
                    int[] d = (int[]) dst;
                    for (int i = 0; i < n; i++) {
                        d[i] = Math.max(s[i], 0);
                    }
                }
            }
        }
        return x.isPerChannel() ? QTensor.ofPerChannel(x.format(), dst, x.channelFracLengths(), x.shape())
                : QTensor.of(x.format(), dst, x.shape());
    }

    /**
     * Max pooling over NCHW integers, no padding: output {@code [N, C, (H-k)/s+1, (W-k)/s+1]} in
     * the input's format. Comparisons are on the integers, which is exact because a plane shares
     * one fractional length. When {@code argmax} is non-null it receives, per output element, the
     * flat input index of the maximum (the first one in row-major window order on ties), which is
     * where the backward pass routes the gradient.
     */
    public static QTensor maxPool2d(QTensor x, int kernel, int stride, int[] argmax) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("maxPool2d: input must be NCHW (rank 4), got " + Arrays.toString(x.shape()));
        }
        if (kernel < 1 || stride < 1) {
            throw new IllegalArgumentException("maxPool2d: kernel and stride must be >= 1, got " + kernel + ", " + stride);
        }
        int n = x.dim(0);
        int c = x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        if (kernel > h || kernel > w) {
            throw new IllegalArgumentException("maxPool2d: kernel " + kernel + " larger than input " + h + "x" + w);
        }
        int oh = (h - kernel) / stride + 1;
        int ow = (w - kernel) / stride + 1;
        int outN = n * c * oh * ow;
        if (argmax != null && argmax.length != outN) {
            throw new IllegalArgumentException("maxPool2d: argmax needs " + outN + " entries, got " + argmax.length);
        }
        Object dst = x.format().storage().allocate(outN);
        Parallel.forEach(n * c, plane -> {
            int in0 = plane * h * w;
            int out0 = plane * oh * ow;
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    long best = Long.MIN_VALUE;
                    int bestAt = -1;
                    for (int di = 0; di < kernel; di++) {
                        for (int dj = 0; dj < kernel; dj++) {
                            int at = in0 + (i * stride + di) * w + j * stride + dj;
                            long v = x.get(at);
                            if (v > best) {
                                best = v;
                                bestAt = at;
                            }
                        }
                    }
                    FormatConversion.set(dst, out0 + i * ow + j, best);
                    if (argmax != null) {
                        argmax[out0 + i * ow + j] = bestAt;
                    }
                }
            }
        });
        return x.isPerChannel() ? QTensor.ofPerChannel(x.format(), dst, x.channelFracLengths(), n, c, oh, ow)
                : QTensor.of(x.format(), dst, n, c, oh, ow);
    }
}

package bitflex.engine.fixed.gemm;

import bitflex.engine.fixed.ExactRounding;
import bitflex.engine.fixed.Overflow;
import bitflex.engine.parallel.Parallel;

/**
 * Integer NCHW convolution, forward and both gradients, by integer im2col / col2im and
 * {@link IntGemm}. Operands are int8 ({@code byte[]}) or int16 ({@code short[]}); results are
 * the values of the modelled {@link Accumulator}, returned as {@code long[]} (they fit in the
 * accumulator's width).
 *
 * <p>Reduction orders (which matter only for a SATURATE accumulator that actually saturates):
 * forward sums over (channel, kernel row, kernel column); the input gradient first sums over
 * output channels inside the GEMM, then col2im adds the contributions of (channel, kernel row,
 * kernel column, output row, output column) in that increasing order, applying the accumulator's
 * overflow after each addition; the weight gradient sums over (image, output row, output column).
 */
public final class IntConv2d {
    private IntConv2d() {}

    /** {@code out[n, o, oh, ow] = sum_{c, i, j} x[n, c, ...] * w[o, c, i, j]}. */
    public static long[] forward(ConvGeometry g, byte[] x, byte[] w, Accumulator acc) {
        check(g, x.length, w.length);
        return forward(g, im2colAll(g, x), null, w, null, acc);
    }

    /** int16 version of {@link #forward(ConvGeometry, byte[], byte[], Accumulator)}. */
    public static long[] forward(ConvGeometry g, short[] x, short[] w, Accumulator acc) {
        check(g, x.length, w.length);
        return forward(g, null, im2colAll(g, x), null, w, acc);
    }

    private static long[] forward(ConvGeometry g, byte[] col8, short[] col16, byte[] w8, short[] w16, Accumulator acc) {
        int pk = g.patch();
        int px = g.pixels();
        int np = g.n() * px;
        // out[o, (n, pixel)] = W[o, patch] * col[patch, (n, pixel)]; then reorder to NCHW.
        long[] om = gemm(false, false, g.o(), np, pk, w8, w16, pk, col8, col16, np, acc);
        long[] out = new long[g.outputSize()];
        for (int o = 0; o < g.o(); o++) {
            for (int n = 0; n < g.n(); n++) {
                System.arraycopy(om, o * np + n * px, out, (n * g.o() + o) * px, px);
            }
        }
        return out;
    }

    /** {@code dx[n, c, y, x] = sum over (o, kernel offsets) dOut[n, o, ...] * w[o, c, ...]}. */
    public static long[] backwardInput(ConvGeometry g, byte[] dOut, byte[] w, Accumulator acc) {
        checkOut(g, dOut.length, w.length);
        return backwardInput(g, permuteOut(g, dOut), null, w, null, acc);
    }

    /** int16 version of {@link #backwardInput(ConvGeometry, byte[], byte[], Accumulator)}. */
    public static long[] backwardInput(ConvGeometry g, short[] dOut, short[] w, Accumulator acc) {
        checkOut(g, dOut.length, w.length);
        return backwardInput(g, null, permuteOut(g, dOut), null, w, acc);
    }

    private static long[] backwardInput(ConvGeometry g, byte[] d8, short[] d16, byte[] w8, short[] w16, Accumulator acc) {
        int pk = g.patch();
        int np = g.n() * g.pixels();
        // col[patch, (n, pixel)] = W^T[patch, o] * dOut[o, (n, pixel)]
        long[] col = gemm(true, false, pk, np, g.o(), w8, w16, pk, d8, d16, np, acc);
        return col2im(g, col, acc);
    }

    /** {@code dw[o, c, i, j] = sum over (n, oh, ow) dOut[n, o, oh, ow] * x[n, c, ...]}. */
    public static long[] backwardWeight(ConvGeometry g, byte[] x, byte[] dOut, Accumulator acc) {
        check(g, x.length, g.weightSize());
        checkOut(g, dOut.length, g.weightSize());
        return backwardWeight(g, permuteOut(g, dOut), null, im2colAll(g, x), null, acc);
    }

    /** int16 version of {@link #backwardWeight(ConvGeometry, byte[], byte[], Accumulator)}. */
    public static long[] backwardWeight(ConvGeometry g, short[] x, short[] dOut, Accumulator acc) {
        check(g, x.length, g.weightSize());
        checkOut(g, dOut.length, g.weightSize());
        return backwardWeight(g, null, permuteOut(g, dOut), null, im2colAll(g, x), acc);
    }

    private static long[] backwardWeight(ConvGeometry g, byte[] d8, short[] d16, byte[] c8, short[] c16, Accumulator acc) {
        int pk = g.patch();
        int np = g.n() * g.pixels();
        // dW[o, patch] = dOut[o, (n, pixel)] * col[patch, (n, pixel)]^T
        return gemm(false, true, g.o(), pk, np, d8, d16, np, c8, c16, np, acc);
    }

    private static long[] gemm(boolean ta, boolean tb, int m, int n, int k, byte[] a8, short[] a16, int lda,
                               byte[] b8, short[] b16, int ldb, Accumulator acc) {
        long[] out = new long[m * n];
        if (acc.exact()) {
            if (a8 != null) {
                IntGemm.gemmExact(ta, tb, m, n, k, a8, 0, lda, b8, 0, ldb, out, 0, n);
            } else {
                IntGemm.gemmExact(ta, tb, m, n, k, a16, 0, lda, b16, 0, ldb, out, 0, n);
            }
            return out;
        }
        int[] c = new int[m * n];
        if (a8 != null) {
            IntGemm.gemm(ta, tb, m, n, k, a8, 0, lda, b8, 0, ldb, c, 0, n, acc);
        } else {
            IntGemm.gemm(ta, tb, m, n, k, a16, 0, lda, b16, 0, ldb, c, 0, n, acc);
        }
        for (int i = 0; i < c.length; i++) {
            out[i] = c[i];
        }
        return out;
    }

    /** im2col of the whole batch: {@code [patch, n * pixels]}, zero where the window hits padding. */
    static byte[] im2colAll(ConvGeometry g, byte[] x) {
        int np = g.n() * g.pixels();
        byte[] col = new byte[g.patch() * np]; // zeroed: padding positions are simply not written
        int h = g.h();
        int w = g.w();
        int ow = g.ow();
        int stride = g.stride();
        int pad = g.pad();
        Parallel.forEach(g.patch(), r -> {
            int c = r / (g.kh() * g.kw());
            int ki = (r / g.kw()) % g.kh();
            int kj = r % g.kw();
            // Output columns whose input column ix = ox * stride - pad + kj lies inside [0, w).
            int lo = Math.max(0, Math.ceilDiv(pad - kj, stride));
            int hi = Math.min(ow, Math.floorDiv(w - 1 + pad - kj, stride) + 1);
            for (int n = 0; n < g.n(); n++) {
                int in0 = (n * g.c() + c) * h * w;
                int o0 = r * np + n * g.pixels();
                for (int oy = 0; oy < g.oh(); oy++) {
                    int iy = oy * stride - pad + ki;
                    if (iy < 0 || iy >= h || lo >= hi) {
                        continue;
                    }
                    int src = in0 + iy * w + lo * stride - pad + kj;
                    int dst = o0 + oy * ow + lo;
                    if (stride == 1) {
                        System.arraycopy(x, src, col, dst, hi - lo);
                    } else {
                        for (int ox = lo; ox < hi; ox++, src += stride) {
                            col[dst++] = x[src];
                        }
                    }
                }
            }
        });
        return col;
    }

    static short[] im2colAll(ConvGeometry g, short[] x) {
        int np = g.n() * g.pixels();
        short[] col = new short[g.patch() * np]; // zeroed: padding positions are simply not written
        int h = g.h();
        int w = g.w();
        int ow = g.ow();
        int stride = g.stride();
        int pad = g.pad();
        Parallel.forEach(g.patch(), r -> {
            int c = r / (g.kh() * g.kw());
            int ki = (r / g.kw()) % g.kh();
            int kj = r % g.kw();
            // Output columns whose input column ix = ox * stride - pad + kj lies inside [0, w).
            int lo = Math.max(0, Math.ceilDiv(pad - kj, stride));
            int hi = Math.min(ow, Math.floorDiv(w - 1 + pad - kj, stride) + 1);
            for (int n = 0; n < g.n(); n++) {
                int in0 = (n * g.c() + c) * h * w;
                int o0 = r * np + n * g.pixels();
                for (int oy = 0; oy < g.oh(); oy++) {
                    int iy = oy * stride - pad + ki;
                    if (iy < 0 || iy >= h || lo >= hi) {
                        continue;
                    }
                    int src = in0 + iy * w + lo * stride - pad + kj;
                    int dst = o0 + oy * ow + lo;
                    if (stride == 1) {
                        System.arraycopy(x, src, col, dst, hi - lo);
                    } else {
                        for (int ox = lo; ox < hi; ox++, src += stride) {
                            col[dst++] = x[src];
                        }
                    }
                }
            }
        });
        return col;
    }

    /** {@code [n, o, pixels]} to {@code [o, n * pixels]}. */
    static byte[] permuteOut(ConvGeometry g, byte[] d) {
        int px = g.pixels();
        byte[] p = new byte[d.length];
        for (int n = 0; n < g.n(); n++) {
            for (int o = 0; o < g.o(); o++) {
                System.arraycopy(d, (n * g.o() + o) * px, p, o * g.n() * px + n * px, px);
            }
        }
        return p;
    }

    static short[] permuteOut(ConvGeometry g, short[] d) {
        int px = g.pixels();
        short[] p = new short[d.length];
        for (int n = 0; n < g.n(); n++) {
            for (int o = 0; o < g.o(); o++) {
                System.arraycopy(d, (n * g.o() + o) * px, p, o * g.n() * px + n * px, px);
            }
        }
        return p;
    }

    /** Adds the columns back onto the input grid, with the accumulator's overflow after each add. */
    static long[] col2im(ConvGeometry g, long[] col, Accumulator acc) {
        long[] dx = new long[g.inputSize()];
        int np = g.n() * g.pixels();
        boolean exact = acc.exact();
        boolean sat = acc.overflow() == Overflow.SATURATE;
        int width = acc.width();
        int kk = g.kh() * g.kw();
        // One task per (image, channel) plane: it owns its outputs and adds in a fixed order.
        Parallel.forEach(g.n() * g.c(), plane -> {
            int n = plane / g.c();
            int c = plane % g.c();
            int in0 = plane * g.h() * g.w();
            for (int q = 0; q < kk; q++) {
                int r = c * kk + q;
                int ki = q / g.kw();
                int kj = q % g.kw();
                int c0 = r * np + n * g.pixels();
                for (int oy = 0; oy < g.oh(); oy++) {
                    int iy = oy * g.stride() - g.pad() + ki;
                    if (iy < 0 || iy >= g.h()) {
                        continue;
                    }
                    for (int ox = 0; ox < g.ow(); ox++) {
                        int ix = ox * g.stride() - g.pad() + kj;
                        if (ix < 0 || ix >= g.w()) {
                            continue;
                        }
                        int at = in0 + iy * g.w() + ix;
                        long s = dx[at] + col[c0 + oy * g.ow() + ox];
                        if (!exact) {
                            s = sat ? ExactRounding.saturate(s, width) : ExactRounding.wrap(s, width, true);
                        }
                        dx[at] = s;
                    }
                }
            }
        });
        return dx;
    }

    private static void check(ConvGeometry g, int xLen, int wLen) {
        if (xLen != g.inputSize()) {
            throw new IllegalArgumentException("conv2d: input has " + xLen + " elements, geometry " + g + " needs " + g.inputSize());
        }
        if (wLen != g.weightSize()) {
            throw new IllegalArgumentException("conv2d: weight has " + wLen + " elements, geometry " + g + " needs " + g.weightSize());
        }
    }

    private static void checkOut(ConvGeometry g, int dLen, int wLen) {
        if (dLen != g.outputSize()) {
            throw new IllegalArgumentException("conv2d: output gradient has " + dLen + " elements, geometry " + g
                    + " needs " + g.outputSize());
        }
        if (wLen != g.weightSize()) {
            throw new IllegalArgumentException("conv2d: weight has " + wLen + " elements, geometry " + g + " needs " + g.weightSize());
        }
    }
}

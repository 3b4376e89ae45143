package bitflex.engine.kernels;

import bitflex.engine.simd.Simd;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct convolution for one input channel and stride 1 (LeNet's first layer), forward and weight
 * gradient, without im2col.
 *
 * <p>Why: with one input channel the column matrix is KH*KW times the input, and building it costs as
 * much as the GEMM that reads it. Here the input plane is copied once into a zero-padded plane of width
 * WP = W + 2 padW, and outputs are computed on a "wide" grid of OH rows of WP positions (the last
 * WP - OW of each row are discarded). On that grid output p reads padded input p + i*WP + j for tap
 * (i, j), so every tap is one contiguous, vector-aligned run: forward is KH*KW vector FMAs per output
 * vector (three output channels share each input load), and the weight gradient is one long dot
 * product per (channel, tap) between the wide output gradient (zero at discarded positions) and a
 * shifted padded input.
 *
 * <p>Arithmetic order (shared bit for bit with {@link Conv2dDirectScalar}): an output is
 * fma(w[t], x, acc) over taps t = i*KW + j in increasing order from 0, then the bias is added; a
 * weight-gradient entry of one chunk accumulates, per lane l of a {@link #VL}-lane vector, the
 * positions p = l (mod VL) of sample after sample by fma, then adds the lanes in order 0..VL-1.
 * None of it depends on the thread count. Caveat: a non-finite input pixel can make a weight gradient
 * NaN where the exact sum is infinite, since discarded wide positions multiply it by zero.
 */
final class Conv2dDirect {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    /** Lanes of the accumulators (the weight-gradient lane split depends on it). */
    static final int VL = F.length();

    private static final int PADDED = 0;
    private static final int WIDE = 1;
    private static final int LANES = 2;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

    private Conv2dDirect() {}

    static float[] scratch(int which, int n) {
        float[][] s = SCRATCH.get();
        if (s[which].length < n) {
            s[which] = new float[n];
        }
        return s[which];
    }

    /** Whether this kernel handles the layer: one input channel, stride 1, a kernel larger than 1x1. */
    static boolean applies(ConvGeometry g) {
        return g.c() == 1 && g.strideH() == 1 && g.strideW() == 1 && g.kh() * g.kw() > 1;
    }

    static int paddedWidth(ConvGeometry g) {
        return g.w() + 2 * g.padW();
    }

    /** Wide-grid positions per output channel: OH * WP rounded up to whole vectors. */
    static int wideLength(ConvGeometry g) {
        int lw = g.oh() * paddedWidth(g);
        return (lw + VL - 1) / VL * VL;
    }

    /** Floats of one padded plane, with room for the last wide vector's furthest tap. */
    static int paddedLength(ConvGeometry g) {
        int wp = paddedWidth(g);
        return Math.max((g.h() + 2 * g.padH()) * wp, wideLength(g) + (g.kh() - 1) * wp + g.kw() - 1);
    }

    /** Writes the zero-padded copy of the plane at x[xOff] to dst[dstOff, dstOff + paddedLength). */
    static void pad(float[] x, int xOff, ConvGeometry g, float[] dst, int dstOff) {
        int wp = paddedWidth(g);
        Arrays.fill(dst, dstOff, dstOff + paddedLength(g), 0f);
        for (int r = 0; r < g.h(); r++) {
            System.arraycopy(x, xOff + r * g.w(), dst, dstOff + (r + g.padH()) * wp + g.padW(), g.w());
        }
    }

    /** y[yOff..] ([O, OH, OW]) = the valid part of wide ([O, wideLength]) plus b[o] (b may be null). */
    static void unwiden(float[] wide, ConvGeometry g, int o, float[] b, float[] y, int yOff) {
        int lr = wideLength(g), wp = paddedWidth(g), oh = g.oh(), ow = g.ow();
        for (int k = 0; k < o; k++) {
            for (int r = 0; r < oh; r++) {
                int src = k * lr + r * wp;
                int dst = yOff + (k * oh + r) * ow;
                if (b == null) {
                    System.arraycopy(wide, src, y, dst, ow);
                } else {
                    float bk = b[k];
                    for (int q = 0; q < ow; q++) {
                        y[dst + q] = wide[src + q] + bk;
                    }
                }
            }
        }
    }

    /** dyw[dywOff..] ([O, wideLength]) = dy of one sample ([O, OH, OW] at dyOff) on the wide grid, zero elsewhere. */
    static void widen(float[] dy, int dyOff, ConvGeometry g, int o, float[] dyw, int dywOff) {
        int lr = wideLength(g), wp = paddedWidth(g), oh = g.oh(), ow = g.ow();
        Arrays.fill(dyw, dywOff, dywOff + o * lr, 0f);
        for (int k = 0; k < o; k++) {
            for (int r = 0; r < oh; r++) {
                System.arraycopy(dy, dyOff + (k * oh + r) * ow, dyw, dywOff + k * lr + r * wp, ow);
            }
        }
    }

    /** One sample: y[yOff..] ([O, OH, OW]) = conv(x plane at xOff, w [O, 1, KH, KW]) + b. */
    static void forwardSample(float[] x, int xOff, ConvGeometry g, float[] w, int o, float[] b, float[] y, int yOff) {
        forwardChunk(x, xOff, 1, g, w, o, b, y, yOff);
    }

    /**
     * cnt consecutive samples, planes from x[xOff] ([cnt, 1, H, W]) to y[yOff] ([cnt, O, OH, OW]); the
     * per-thread scratch is looked up once per call, not per sample (ThreadLocal.get showed in profiles).
     */
    static void forwardChunk(float[] x, int xOff, int cnt, ConvGeometry g, float[] w, int o, float[] b, float[] y, int yOff) {
        float[] xp = scratch(PADDED, paddedLength(g));
        float[] wide = scratch(WIDE, o * wideLength(g));
        int xs = g.h() * g.w(), ys = o * g.positions();
        for (int s = 0; s < cnt; s++) {
            pad(x, xOff + s * xs, g, xp, 0);
            forwardWide(xp, g, w, o, wide);
            unwiden(wide, g, o, b, y, yOff + s * ys);
        }
    }

    /** wide[k * wideLength + p] = sum over taps t of w[k][t] * xp[p + i*WP + j], by fma in tap order. */
    static void forwardWide(float[] xp, ConvGeometry g, float[] w, int o, float[] wide) {
        int lr = wideLength(g), wp = paddedWidth(g), kh = g.kh(), kw = g.kw(), kk = kh * kw;
        int k = 0;
        for (; k + 3 <= o; k += 3) {
            int w0 = k * kk, w1 = w0 + kk, w2 = w1 + kk;
            for (int p = 0; p < lr; p += VL) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0;
                for (int i = 0; i < kh; i++) {
                    int base = p + i * wp;
                    int t = i * kw;
                    for (int j = 0; j < kw; j++) {
                        FloatVector xv = FloatVector.fromArray(F, xp, base + j);
                        a0 = FloatVector.broadcast(F, w[w0 + t + j]).fma(xv, a0);
                        a1 = FloatVector.broadcast(F, w[w1 + t + j]).fma(xv, a1);
                        a2 = FloatVector.broadcast(F, w[w2 + t + j]).fma(xv, a2);
                    }
                }
                a0.intoArray(wide, k * lr + p);
                a1.intoArray(wide, (k + 1) * lr + p);
                a2.intoArray(wide, (k + 2) * lr + p);
            }
        }
        for (; k < o; k++) {
            int w0 = k * kk;
            for (int p = 0; p < lr; p += VL) {
                FloatVector a0 = FloatVector.zero(F);
                for (int i = 0; i < kh; i++) {
                    int base = p + i * wp;
                    int t = i * kw;
                    for (int j = 0; j < kw; j++) {
                        a0 = FloatVector.broadcast(F, w[w0 + t + j]).fma(FloatVector.fromArray(F, xp, base + j), a0);
                    }
                }
                a0.intoArray(wide, k * lr + p);
            }
        }
    }

    /**
     * Weight gradient of the samples [from, from + cnt): out[outOff + k*KH*KW + t] (overwritten) =
     * sum over those samples and output positions of dy * x at tap t.
     */
    static void chunkWeightGrad(float[] x, int from, int cnt, ConvGeometry g, float[] dy, int o, float[] out, int outOff) {
        int xs = g.h() * g.w(), ys = o * g.positions();
        int pl = paddedLength(g), lr = wideLength(g);
        float[] xp = scratch(PADDED, cnt * pl);
        float[] dyw = scratch(WIDE, cnt * o * lr);
        for (int s = 0; s < cnt; s++) {
            pad(x, (from + s) * xs, g, xp, s * pl);
            widen(dy, (from + s) * ys, g, o, dyw, s * o * lr);
        }
        weightGradWide(xp, pl, dyw, cnt, g, o, out, outOff, scratch(LANES, VL));
    }

    static void weightGradWide(float[] xp, int pl, float[] dyw, int cnt, ConvGeometry g, int o, float[] out, int outOff, float[] lanes) {
        int lr = wideLength(g), wp = paddedWidth(g), kh = g.kh(), kw = g.kw(), kk = kh * kw;
        int k = 0;
        for (; k + 3 <= o; k += 3) {
            for (int t = 0; t < kk; t++) {
                int shift = (t / kw) * wp + t % kw;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0;
                for (int s = 0; s < cnt; s++) {
                    int xb = s * pl + shift;
                    int d0 = (s * o + k) * lr, d1 = d0 + lr, d2 = d1 + lr;
                    for (int p = 0; p < lr; p += VL) {
                        FloatVector xv = FloatVector.fromArray(F, xp, xb + p);
                        a0 = FloatVector.fromArray(F, dyw, d0 + p).fma(xv, a0);
                        a1 = FloatVector.fromArray(F, dyw, d1 + p).fma(xv, a1);
                        a2 = FloatVector.fromArray(F, dyw, d2 + p).fma(xv, a2);
                    }
                }
                out[outOff + k * kk + t] = sumLanes(a0, lanes);
                out[outOff + (k + 1) * kk + t] = sumLanes(a1, lanes);
                out[outOff + (k + 2) * kk + t] = sumLanes(a2, lanes);
            }
        }
        for (; k < o; k++) {
            for (int t = 0; t < kk; t++) {
                int shift = (t / kw) * wp + t % kw;
                FloatVector a0 = FloatVector.zero(F);
                for (int s = 0; s < cnt; s++) {
                    int xb = s * pl + shift;
                    int d0 = (s * o + k) * lr;
                    for (int p = 0; p < lr; p += VL) {
                        a0 = FloatVector.fromArray(F, dyw, d0 + p).fma(FloatVector.fromArray(F, xp, xb + p), a0);
                    }
                }
                out[outOff + k * kk + t] = sumLanes(a0, lanes);
            }
        }
    }

    /** Lanes added in order 0..VL-1 (reduceLanes leaves the float order unspecified). */
    private static float sumLanes(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        float s = 0f;
        for (int l = 0; l < VL; l++) {
            s += lanes[l];
        }
        return s;
    }
}

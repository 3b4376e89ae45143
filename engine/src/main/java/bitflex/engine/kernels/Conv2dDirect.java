package bitflex.engine.kernels;

import bitflex.engine.simd.Simd;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The "wide grid" layout of the direct stride-1 convolution kernels ({@link Conv2dDirectMulti}).
 *
 * <p>Why: an input plane copied once into a zero-padded plane of width WP = W + 2 padW lets outputs be
 * computed on a "wide" grid of OH rows of WP positions (the last WP - OW = KW - 1 of each row are
 * discarded). On that grid output p reads padded input p + i*WP + j for tap (i, j), so every tap is one
 * contiguous, vector-aligned run, and no im2col matrix (KH*KW times the input) is ever built. This class
 * holds the layout: padded planes, wide planes, and the copies between them and NCHW tensors.
 */
final class Conv2dDirect {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    /** Lanes of the direct kernels' vectors (wide planes are whole vectors; the weight-gradient lane split depends on it). */
    static final int VL = F.length();

    private Conv2dDirect() {}

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

    /**
     * y[yOff..] ([O, OH, OW]) = the valid part of wide ([O, wideLength]) plus b[o] (b may be null), a
     * vector and a masked tail per row (rows of 10 or 28 floats: as a scalar loop this took 6% of a
     * LeNet-5 step).
     */
    static void unwiden(float[] wide, ConvGeometry g, int o, float[] b, float[] y, int yOff) {
        int lr = wideLength(g), wp = paddedWidth(g), oh = g.oh(), ow = g.ow();
        int full = ow - ow % VL;
        VectorMask<Float> tail = F.indexInRange(full, ow);
        for (int k = 0; k < o; k++) {
            FloatVector bias = FloatVector.broadcast(F, b == null ? 0f : b[k]);
            for (int r = 0; r < oh; r++) {
                int src = k * lr + r * wp;
                int dst = yOff + (k * oh + r) * ow;
                int q = 0;
                for (; q < full; q += VL) {
                    FloatVector v = FloatVector.fromArray(F, wide, src + q);
                    // no bias: a copy (adding 0 would turn -0 into +0)
                    (b == null ? v : v.add(bias)).intoArray(y, dst + q);
                }
                if (q < ow) {
                    FloatVector v = FloatVector.fromArray(F, wide, src + q, tail);
                    (b == null ? v : v.add(bias)).intoArray(y, dst + q, tail);
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
}

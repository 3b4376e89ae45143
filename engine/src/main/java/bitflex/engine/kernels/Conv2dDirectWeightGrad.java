package bitflex.engine.kernels;

import bitflex.engine.simd.Simd;
import bitflex.engine.memory.ScratchMemory;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weight gradient of the direct stride-1 convolution ({@link Conv2dDirectMulti}) on the wide grid of
 * {@link Conv2dDirect}: per (output channel k, input channel c, tap t), one dot product of the wide dY
 * of plane k (zero at discarded positions) with padded input plane c shifted by the tap, 4 planes x 4
 * taps of them at a time (4 x 2 with 16 vector registers) so each load feeds several FMAs.
 *
 * <p>Arithmetic order (shared bit for bit with {@link Conv2dDirectMultiScalar#chunkWeightGrad}): an
 * entry of one chunk accumulates, per lane l of a {@link Conv2dDirect#VL}-lane vector, the wide
 * positions p = l (mod VL) of sample after sample by fma, then adds the lanes in order 0..VL-1; the
 * chunks are added in chunk order by the caller. None of it depends on the thread count.
 */
final class Conv2dDirectWeightGrad {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final int VL = Conv2dDirect.VL;

    private static final int PADDED = 0;
    private static final int WIDE = 1;
    private static final int LANES = 2;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

    /**
     * Taps per block of 4 planes: 4 (16 accumulators) with 32 vector registers; 2 (8 accumulators)
     * with 16, where C2 spills 7 of the 16 to the stack and reloads them on every step (seen on AVX2).
     */
    private static final int TAPS_PER_BLOCK = Simd.REGISTERS >= 32 ? 4 : 2;

    private Conv2dDirectWeightGrad() {}

    private static float[] grow(float[][] s, int which, int n) {
        return s[which] = ScratchMemory.floats(s[which], n);
    }

    /**
     * Weight gradient of the samples [from, from + cnt): out[outOff + k*C*KK + c*KK + t] (overwritten) =
     * sum over those samples and output positions of dy[k] * x[c] at tap t.
     */
    static void chunkWeightGrad(float[] x, int from, int cnt, ConvGeometry g, float[] dy, int o, float[] out, int outOff) {
        int c = g.c(), plane = g.h() * g.w(), xs = c * plane, ys = o * g.positions();
        int pl = Conv2dDirect.paddedLength(g), lr = Conv2dDirect.wideLength(g);
        float[][] sc = SCRATCH.get();
        float[] xp = grow(sc, PADDED, cnt * c * pl);
        float[] dyw = grow(sc, WIDE, cnt * o * lr);
        for (int s = 0; s < cnt; s++) {
            for (int ch = 0; ch < c; ch++) {
                Conv2dDirect.pad(x, (from + s) * xs + ch * plane, g, xp, (s * c + ch) * pl);
            }
            Conv2dDirect.widen(dy, (from + s) * ys, g, o, dyw, s * o * lr);
        }
        weightGradWide(xp, dyw, cnt, g, o, out, outOff, grow(sc, LANES, VL));
    }

    private static int shift(int u, int kk, int kw, int pl, int wp) {
        int t = u % kk;
        return (u / kk) * pl + (t / kw) * wp + t % kw;
    }

    /**
     * Every entry (k, u) of the chunk's weight gradient, 4 planes x 4 taps at a time (x 2 taps with 16
     * vector registers), then the leftover taps and planes. Each block shape is its own small method:
     * as one method of 1,160 bytecodes it hit C2's inlining cutoff (sumLanes was called with its
     * vector boxed) and was compiled twice, on stack and normally, while training ran in slower tiers.
     */
    static void weightGradWide(float[] xp, float[] dyw, int cnt, ConvGeometry g, int o, float[] out, int outOff, float[] lanes) {
        int c = g.c(), kw = g.kw(), kk = g.kh() * kw, ckk = c * kk;
        int pl = Conv2dDirect.paddedLength(g), lr = Conv2dDirect.wideLength(g), wp = Conv2dDirect.paddedWidth(g);
        int xs = c * pl;
        int k = 0;
        for (; k + 4 <= o; k += 4) {
            int u = 0;
            for (; TAPS_PER_BLOCK == 2 && u + 2 <= ckk; u += 2) {
                planes4taps2(xp, dyw, cnt, xs, o, k, lr, shift(u, kk, kw, pl, wp), shift(u + 1, kk, kw, pl, wp),
                        out, outOff + k * ckk + u, ckk, lanes);
            }
            for (; u + 4 <= ckk; u += 4) {
                planes4taps4(xp, dyw, cnt, xs, o, k, lr, shift(u, kk, kw, pl, wp), shift(u + 1, kk, kw, pl, wp),
                        shift(u + 2, kk, kw, pl, wp), shift(u + 3, kk, kw, pl, wp), out, outOff + k * ckk + u, ckk, lanes);
            }
            for (; u < ckk; u++) {
                planes4taps1(xp, dyw, cnt, xs, o, k, lr, shift(u, kk, kw, pl, wp), out, outOff + k * ckk + u, ckk, lanes);
            }
        }
        for (; k < o; k++) {
            // leftover planes (LeNet conv1 has 6): 4 taps at a time, so 4 fma chains run side by side
            int u = 0;
            for (; u + 4 <= ckk; u += 4) {
                plane1taps4(xp, dyw, cnt, xs, o, k, lr, shift(u, kk, kw, pl, wp), shift(u + 1, kk, kw, pl, wp),
                        shift(u + 2, kk, kw, pl, wp), shift(u + 3, kk, kw, pl, wp), out, outOff + k * ckk + u, lanes);
            }
            for (; u < ckk; u++) {
                out[outOff + k * ckk + u] = plane1taps1(xp, dyw, cnt, xs, o, k, lr, shift(u, kk, kw, pl, wp), lanes);
            }
        }
    }

    /** Entries (k..k+3, u..u+3) into out[e + plane*ckk + tap]; s0..s3 are the taps' shifts in a padded sample. */
    private static void planes4taps4(float[] xp, float[] dyw, int cnt, int xs, int o, int k, int lr, int s0, int s1, int s2, int s3,
                                     float[] out, int e, int ckk, float[] lanes) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int s = 0; s < cnt; s++) {
            int xb = s * xs;
            int d0 = (s * o + k) * lr;
            for (int p = 0; p < lr; p += VL) {
                FloatVector x0 = FloatVector.fromArray(F, xp, xb + s0 + p);
                FloatVector x1 = FloatVector.fromArray(F, xp, xb + s1 + p);
                FloatVector x2 = FloatVector.fromArray(F, xp, xb + s2 + p);
                FloatVector x3 = FloatVector.fromArray(F, xp, xb + s3 + p);
                FloatVector d = FloatVector.fromArray(F, dyw, d0 + p);
                a00 = d.fma(x0, a00);
                a01 = d.fma(x1, a01);
                a02 = d.fma(x2, a02);
                a03 = d.fma(x3, a03);
                d = FloatVector.fromArray(F, dyw, d0 + lr + p);
                a10 = d.fma(x0, a10);
                a11 = d.fma(x1, a11);
                a12 = d.fma(x2, a12);
                a13 = d.fma(x3, a13);
                d = FloatVector.fromArray(F, dyw, d0 + 2 * lr + p);
                a20 = d.fma(x0, a20);
                a21 = d.fma(x1, a21);
                a22 = d.fma(x2, a22);
                a23 = d.fma(x3, a23);
                d = FloatVector.fromArray(F, dyw, d0 + 3 * lr + p);
                a30 = d.fma(x0, a30);
                a31 = d.fma(x1, a31);
                a32 = d.fma(x2, a32);
                a33 = d.fma(x3, a33);
            }
        }
        out[e] = sumLanes(a00, lanes);
        out[e + 1] = sumLanes(a01, lanes);
        out[e + 2] = sumLanes(a02, lanes);
        out[e + 3] = sumLanes(a03, lanes);
        e += ckk;
        out[e] = sumLanes(a10, lanes);
        out[e + 1] = sumLanes(a11, lanes);
        out[e + 2] = sumLanes(a12, lanes);
        out[e + 3] = sumLanes(a13, lanes);
        e += ckk;
        out[e] = sumLanes(a20, lanes);
        out[e + 1] = sumLanes(a21, lanes);
        out[e + 2] = sumLanes(a22, lanes);
        out[e + 3] = sumLanes(a23, lanes);
        e += ckk;
        out[e] = sumLanes(a30, lanes);
        out[e + 1] = sumLanes(a31, lanes);
        out[e + 2] = sumLanes(a32, lanes);
        out[e + 3] = sumLanes(a33, lanes);
    }

    /** Entries (k..k+3, u..u+1) into out[e + plane*ckk + tap], for 16 vector registers. */
    private static void planes4taps2(float[] xp, float[] dyw, int cnt, int xs, int o, int k, int lr, int s0, int s1,
                                     float[] out, int e, int ckk, float[] lanes) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int s = 0; s < cnt; s++) {
            int xb = s * xs;
            int d0 = (s * o + k) * lr;
            for (int p = 0; p < lr; p += VL) {
                FloatVector x0 = FloatVector.fromArray(F, xp, xb + s0 + p);
                FloatVector x1 = FloatVector.fromArray(F, xp, xb + s1 + p);
                FloatVector d = FloatVector.fromArray(F, dyw, d0 + p);
                a00 = d.fma(x0, a00);
                a01 = d.fma(x1, a01);
                d = FloatVector.fromArray(F, dyw, d0 + lr + p);
                a10 = d.fma(x0, a10);
                a11 = d.fma(x1, a11);
                d = FloatVector.fromArray(F, dyw, d0 + 2 * lr + p);
                a20 = d.fma(x0, a20);
                a21 = d.fma(x1, a21);
                d = FloatVector.fromArray(F, dyw, d0 + 3 * lr + p);
                a30 = d.fma(x0, a30);
                a31 = d.fma(x1, a31);
            }
        }
        out[e] = sumLanes(a00, lanes);
        out[e + 1] = sumLanes(a01, lanes);
        e += ckk;
        out[e] = sumLanes(a10, lanes);
        out[e + 1] = sumLanes(a11, lanes);
        e += ckk;
        out[e] = sumLanes(a20, lanes);
        out[e + 1] = sumLanes(a21, lanes);
        e += ckk;
        out[e] = sumLanes(a30, lanes);
        out[e + 1] = sumLanes(a31, lanes);
    }

    /** Entries (k..k+3, u) into out[e + plane*ckk]. */
    private static void planes4taps1(float[] xp, float[] dyw, int cnt, int xs, int o, int k, int lr, int s0, float[] out, int e, int ckk,
                                     float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int s = 0; s < cnt; s++) {
            int xb = s * xs + s0;
            int d0 = (s * o + k) * lr;
            for (int p = 0; p < lr; p += VL) {
                FloatVector x0 = FloatVector.fromArray(F, xp, xb + p);
                a0 = FloatVector.fromArray(F, dyw, d0 + p).fma(x0, a0);
                a1 = FloatVector.fromArray(F, dyw, d0 + lr + p).fma(x0, a1);
                a2 = FloatVector.fromArray(F, dyw, d0 + 2 * lr + p).fma(x0, a2);
                a3 = FloatVector.fromArray(F, dyw, d0 + 3 * lr + p).fma(x0, a3);
            }
        }
        out[e] = sumLanes(a0, lanes);
        out[e + ckk] = sumLanes(a1, lanes);
        out[e + 2 * ckk] = sumLanes(a2, lanes);
        out[e + 3 * ckk] = sumLanes(a3, lanes);
    }

    /** Entries (k, u..u+3) into out[e..e+3]. */
    private static void plane1taps4(float[] xp, float[] dyw, int cnt, int xs, int o, int k, int lr, int s0, int s1, int s2, int s3,
                                    float[] out, int e, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int s = 0; s < cnt; s++) {
            int xb = s * xs;
            int d0 = (s * o + k) * lr;
            for (int p = 0; p < lr; p += VL) {
                FloatVector d = FloatVector.fromArray(F, dyw, d0 + p);
                a0 = d.fma(FloatVector.fromArray(F, xp, xb + s0 + p), a0);
                a1 = d.fma(FloatVector.fromArray(F, xp, xb + s1 + p), a1);
                a2 = d.fma(FloatVector.fromArray(F, xp, xb + s2 + p), a2);
                a3 = d.fma(FloatVector.fromArray(F, xp, xb + s3 + p), a3);
            }
        }
        out[e] = sumLanes(a0, lanes);
        out[e + 1] = sumLanes(a1, lanes);
        out[e + 2] = sumLanes(a2, lanes);
        out[e + 3] = sumLanes(a3, lanes);
    }

    /** Entry (k, u). */
    private static float plane1taps1(float[] xp, float[] dyw, int cnt, int xs, int o, int k, int lr, int s0, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F);
        for (int s = 0; s < cnt; s++) {
            int xb = s * xs + s0;
            int d0 = (s * o + k) * lr;
            for (int p = 0; p < lr; p += VL) {
                a0 = FloatVector.fromArray(F, dyw, d0 + p).fma(FloatVector.fromArray(F, xp, xb + p), a0);
            }
        }
        return sumLanes(a0, lanes);
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

package bitflex.engine.kernels;

import bitflex.engine.simd.Simd;
import bitflex.engine.memory.ScratchMemory;
import java.util.ArrayList;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct stride-1 convolution over any number of input channels on the "wide grid" of {@link Conv2dDirect}:
 * forward, input gradient and weight gradient, without im2col or col2im.
 *
 * <p>Why: for one input channel and for small planes (LeNet, ResNet-20) im2col and col2im cost more
 * than the FMAs. Each input channel is copied into a zero-padded plane of width WP (length
 * {@link Conv2dDirect#paddedLength}), and every output channel is computed on OH rows of WP positions,
 * so tap (i, j) of channel c is the contiguous run starting at c*PL + i*WP + j. Forward and input
 * gradient are one kernel, {@link #correlateWide}: a block of 4 output planes times 3 position vectors
 * (12 accumulators; 2 x 3 for two leftover planes) shares each input load among the planes and each
 * weight broadcast among the 3 vectors. The input gradient is the same correlation of dY laid out on the forward's wide grid (rows
 * of width WP, zeros after each row and (KH-1)*WP + KW-1 zeros in front), with the kernel turned by
 * 180 degrees and its in/out channels swapped; dx row y starts at wide position y*WP, read from offset
 * padH*WP + padW. The weight gradient is in {@link Conv2dDirectWeightGrad}.
 *
 * <p>Arithmetic order (shared bit for bit with {@link Conv2dDirectMultiScalar}): an output is
 * fma(w, x, acc) from 0 over input channels c, then taps t = i*KW + j, both increasing, then the bias
 * is added; an input-gradient pixel is fma(w[o, c, KH-1-i', KW-1-j'], dy, acc) from 0 over output
 * channels o, then turned taps t' = i'*KW + j', both increasing, and none of it depends on the thread
 * count. A block of output vectors leaves out the tap rows that read only zero rows for all its kept
 * outputs ({@link Conv2dTapPlan}); the twin reads every tap, which adds w * 0. The two agree bit for
 * bit except where a weight is not finite (the twin's w * 0 is NaN) or an accumulator underflowed to -0
 * (the twin's + 0 makes it +0); only there can a result also depend on the block an output falls in
 * (blocks are 3 vectors for groups of 4 or 2 planes, 4 for a single leftover plane, so on O). Caveat:
 * a non-finite value can turn a gradient NaN where the exact sum is infinite (discarded wide positions
 * and zero columns not skipped multiply it by zero).
 */
final class Conv2dDirectMulti {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final int VL = Conv2dDirect.VL;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Conv2dDirectMulti() {}

    /** One thread's buffers, grown on demand and kept, so a training step allocates nothing here. */
    private static final class Scratch {
        /**
         * Plans kept per thread: a training step of the zoo's models uses at most about 12 (forward and
         * input gradient per layout); a model cycling through more than this rebuilds plans every step.
         */
        private static final int PLANS = 64;

        float[] padded = new float[0];
        float[] wide = new float[0];
        private final ArrayList<Conv2dTapPlan> plans = new ArrayList<>();

        float[] padded(int n) {
            return padded = ScratchMemory.floats(padded, n);
        }

        float[] wide(int n) {
            return wide = ScratchMemory.floats(wide, n);
        }

        /**
         * The plan for this layer and direction, made on first use and kept; past {@link #PLANS} the
         * least recently used one is dropped (and uncounted). Plans are kept in order of last use.
         */
        Conv2dTapPlan plan(ConvGeometry g, boolean inputGradient, int nIn) {
            for (int i = plans.size() - 1; i >= 0; i--) {
                Conv2dTapPlan plan = plans.get(i);
                if (plan.isFor(g, inputGradient, nIn, VL)) {
                    if (i != plans.size() - 1) {
                        plans.add(plans.remove(i));
                    }
                    return plan;
                }
            }
            if (plans.size() == PLANS) {
                plans.remove(0).release();
            }
            Conv2dTapPlan plan = inputGradient ? Conv2dTapPlan.inputGradient(g, nIn, VL) : Conv2dTapPlan.forward(g, VL);
            plans.add(plan);
            return plan;
        }
    }

    /** Whether the kernel can run the layer: stride 1 and a kernel larger than 1x1. */
    static boolean applies(ConvGeometry g) {
        return g.strideH() == 1 && g.strideW() == 1 && g.kh() * g.kw() > 1;
    }

    /**
     * Zeros in front of each dY plane of the input gradient, (KH-1)*WP + KW-1, so that turned tap
     * (0, 0) of dx pixel (0, 0) never reads before the plane.
     */
    static int gradMargin(ConvGeometry g) {
        return (g.kh() - 1) * Conv2dDirect.paddedWidth(g) + g.kw() - 1;
    }

    /** Where dx pixel (0, 0)'s turned tap (0, 0) sits in a dY plane of the input gradient: padH*WP + padW. */
    static int gradOffset(ConvGeometry g) {
        return g.padH() * Conv2dDirect.paddedWidth(g) + g.padW();
    }

    /** dx wide-grid positions per input channel: H * WP rounded up to whole vectors. */
    static int gradWideLength(ConvGeometry g) {
        int lw = g.h() * Conv2dDirect.paddedWidth(g);
        return (lw + VL - 1) / VL * VL;
    }

    /** Floats of one dY plane of the input gradient, with room for the last wide vector's furthest tap. */
    static int gradPaddedLength(ConvGeometry g) {
        int wp = Conv2dDirect.paddedWidth(g);
        return Math.max(gradMargin(g) + g.oh() * wp, gradOffset(g) + gradWideLength(g) + (g.kh() - 1) * wp + g.kw() - 1);
    }

    /**
     * Writes dy plane (OH x OW at dyOff) to dst[dstOff, + gradPaddedLength): row r at
     * gradMargin + r*WP, zeros elsewhere. Since WP - OW = KW - 1, the zeros after each row are both the
     * right margin of that row and the left margin of the next.
     */
    static void padGrad(float[] dy, int dyOff, ConvGeometry g, float[] dst, int dstOff) {
        int wp = Conv2dDirect.paddedWidth(g), oh = g.oh(), ow = g.ow(), m = gradMargin(g);
        Arrays.fill(dst, dstOff, dstOff + gradPaddedLength(g), 0f);
        for (int r = 0; r < oh; r++) {
            System.arraycopy(dy, dyOff + r * ow, dst, dstOff + m + r * wp, ow);
        }
    }

    /** dx[dxOff..] ([C, H, W]) = the valid part of the wide input gradient ([C, gradWideLength]). */
    static void unwidenGrad(float[] wide, ConvGeometry g, float[] dx, int dxOff) {
        int lr = gradWideLength(g), wq = Conv2dDirect.paddedWidth(g), h = g.h(), w = g.w();
        for (int c = 0; c < g.c(); c++) {
            for (int r = 0; r < h; r++) {
                System.arraycopy(wide, c * lr + r * wq, dx, dxOff + (c * h + r) * w, w);
            }
        }
    }

    /**
     * The input-gradient kernel: wt[(c*O + o)*KK + i'*KW + j'] = w[(o*C + c)*KK + (KH-1-i')*KW + KW-1-j']
     * (turned by 180 degrees, channels swapped).
     */
    static float[] turnedKernel(float[] w, ConvGeometry g, int o) {
        return turnedKernel(w, g, o, new float[o * g.patch()]);
    }

    /** {@link #turnedKernel(float[], ConvGeometry, int)} into wt[0, O*C*KH*KW) (wt may be longer). */
    static float[] turnedKernel(float[] w, ConvGeometry g, int o, float[] wt) {
        int c = g.c(), kh = g.kh(), kw = g.kw(), kk = kh * kw;
        for (int k = 0; k < o; k++) {
            for (int ch = 0; ch < c; ch++) {
                for (int t = 0; t < kk; t++) {
                    wt[(ch * o + k) * kk + t] = w[(k * c + ch) * kk + kk - 1 - t];
                }
            }
        }
        return wt;
    }

    /** Forward of samples [from, from + cnt): y ([N, O, OH, OW]) = conv(x, w) + b (b may be null). */
    static void forwardChunk(float[] x, int from, int cnt, ConvGeometry g, float[] w, int o, float[] b, float[] y) {
        Scratch s = SCRATCH.get();
        int ys = o * g.positions();
        for (int n = from; n < from + cnt; n++) {
            Conv2dDirect.unwiden(correlateSample(x, n, g, w, o, s), g, o, b, y, n * ys);
        }
    }

    /**
     * Forward of samples [from, from + cnt) followed by ReLU and 2x2 max pooling, straight from the
     * wide grid ({@link MaxPool2x2#reluForwardFromWide}): pooled ([N, O, OH/2, OW/2]) and the windows'
     * winner masks (winners may be null), never the full-size convolution output.
     */
    static void forwardChunkReluPool(float[] x, int from, int cnt, ConvGeometry g, float[] w, int o, float[] b, float[] pooled,
                                     int[] winners) {
        int pp = (g.oh() / 2) * (g.ow() / 2), wpp = MaxPool2x2.winnerInts(g.oh(), g.ow());
        int end = (from + cnt) * o * pp; // the chunk's pooled planes, written in increasing order
        int lr = Conv2dDirect.wideLength(g), wp = Conv2dDirect.paddedWidth(g);
        Scratch s = SCRATCH.get();
        for (int n = from; n < from + cnt; n++) {
            float[] wide = correlateSample(x, n, g, w, o, s);
            for (int k = 0; k < o; k++) {
                MaxPool2x2.reluForwardFromWide(wide, k, lr, wp, g.oh(), g.ow(), b != null, b == null ? 0f : b[k], pooled,
                        (n * o + k) * pp, end, winners, (n * o + k) * wpp);
            }
        }
    }

    /** Sample n's output planes on the wide grid, without bias, in the thread's wide buffer (returned). */
    private static float[] correlateSample(float[] x, int n, ConvGeometry g, float[] w, int o, Scratch s) {
        int c = g.c(), plane = g.h() * g.w();
        int pl = Conv2dDirect.paddedLength(g), lr = Conv2dDirect.wideLength(g);
        float[] xp = s.padded(c * pl);
        float[] wide = s.wide(o * lr);
        for (int ch = 0; ch < c; ch++) {
            Conv2dDirect.pad(x, (n * c + ch) * plane, g, xp, ch * pl);
        }
        correlateWide(xp, 0, s.plan(g, false, c), w, o, wide, lr);
        return wide;
    }

    /** Input gradient of samples [from, from + cnt): dx ([N, C, H, W]) overwritten; wt from {@link #turnedKernel}. */
    static void inputGradChunk(float[] dy, int from, int cnt, ConvGeometry g, float[] wt, int o, float[] dx) {
        int c = g.c(), xs = c * g.h() * g.w(), p = g.positions(), ys = o * p;
        int pl = gradPaddedLength(g), lr = gradWideLength(g);
        Scratch s = SCRATCH.get();
        float[] dyp = s.padded(o * pl);
        float[] wide = s.wide(c * lr);
        Conv2dTapPlan plan = s.plan(g, true, o);
        for (int n = from; n < from + cnt; n++) {
            for (int k = 0; k < o; k++) {
                padGrad(dy, n * ys + k * p, g, dyp, k * pl);
            }
            correlateWide(dyp, gradOffset(g), plan, wt, c, wide, lr);
            unwidenGrad(wide, g, dx, n * xs);
        }
    }

    /** offs[c*KK + i*KW + j] = c*pl + i*wp + j: where tap (i, j) of channel c starts, relative to p. */
    static int[] tapOffsets(int nIn, int kh, int kw, int pl, int wp) {
        return tapOffsets(new int[nIn * kh * kw], nIn, kh, kw, pl, wp);
    }

    /** {@link #tapOffsets(int, int, int, int, int)} into {@code offs} (at least nIn*KH*KW long), which is returned. */
    static int[] tapOffsets(int[] offs, int nIn, int kh, int kw, int pl, int wp) {
        for (int c = 0, u = 0; c < nIn; c++) {
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++, u++) {
                    offs[u] = c * pl + i * wp + j;
                }
            }
        }
        return offs;
    }

    /**
     * wide[k*lr + p] = sum over u < U of wt[k*U + u] * in[off + p + offs[u]], by fma in increasing u,
     * for k < nOut and p < lr (a whole number of vectors); offs and U = nIn*KH*KW from the plan (C for the
     * forward, O for the input gradient), which also names the taps a block of vectors may skip (they
     * read only zeros at the kept positions). One flat loop over the
     * block's (channel, tap) pairs: the JIT runs it far better than three short nested ones.
     */
    static void correlateWide(float[] in, int off, Conv2dTapPlan plan, float[] wt, int nOut, float[] wide, int lr) {
        int ckk = plan.count(), nv = lr / VL;
        int[] offs = plan.offsets();
        int k = 0;
        for (; k + 4 <= nOut; k += 4) {
            int w0 = k * ckk, w1 = w0 + ckk, w2 = w1 + ckk, w3 = w2 + ckk;
            int v = 0;
            for (; v + 3 <= nv; v += 3) {
                int p = off + v * VL;
                FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
                FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
                int[] taps = plan.taps(v, 3);
                for (int t = 0; t < taps.length; t++) {
                    int u = taps[t];
                    int q = p + offs[u];
                    FloatVector x0 = FloatVector.fromArray(F, in, q);
                    FloatVector x1 = FloatVector.fromArray(F, in, q + VL);
                    FloatVector x2 = FloatVector.fromArray(F, in, q + 2 * VL);
                    FloatVector b = FloatVector.broadcast(F, wt[w0 + u]);
                    a00 = b.fma(x0, a00);
                    a01 = b.fma(x1, a01);
                    a02 = b.fma(x2, a02);
                    b = FloatVector.broadcast(F, wt[w1 + u]);
                    a10 = b.fma(x0, a10);
                    a11 = b.fma(x1, a11);
                    a12 = b.fma(x2, a12);
                    b = FloatVector.broadcast(F, wt[w2 + u]);
                    a20 = b.fma(x0, a20);
                    a21 = b.fma(x1, a21);
                    a22 = b.fma(x2, a22);
                    b = FloatVector.broadcast(F, wt[w3 + u]);
                    a30 = b.fma(x0, a30);
                    a31 = b.fma(x1, a31);
                    a32 = b.fma(x2, a32);
                }
                int d = k * lr + v * VL;
                a00.intoArray(wide, d);
                a01.intoArray(wide, d + VL);
                a02.intoArray(wide, d + 2 * VL);
                a10.intoArray(wide, d + lr);
                a11.intoArray(wide, d + lr + VL);
                a12.intoArray(wide, d + lr + 2 * VL);
                a20.intoArray(wide, d + 2 * lr);
                a21.intoArray(wide, d + 2 * lr + VL);
                a22.intoArray(wide, d + 2 * lr + 2 * VL);
                a30.intoArray(wide, d + 3 * lr);
                a31.intoArray(wide, d + 3 * lr + VL);
                a32.intoArray(wide, d + 3 * lr + 2 * VL);
            }
            for (; v < nv; v++) {
                int p = off + v * VL;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                int[] taps = plan.taps(v, 1);
                for (int t = 0; t < taps.length; t++) {
                    int u = taps[t];
                    FloatVector x0 = FloatVector.fromArray(F, in, p + offs[u]);
                    a0 = FloatVector.broadcast(F, wt[w0 + u]).fma(x0, a0);
                    a1 = FloatVector.broadcast(F, wt[w1 + u]).fma(x0, a1);
                    a2 = FloatVector.broadcast(F, wt[w2 + u]).fma(x0, a2);
                    a3 = FloatVector.broadcast(F, wt[w3 + u]).fma(x0, a3);
                }
                int d = k * lr + v * VL;
                a0.intoArray(wide, d);
                a1.intoArray(wide, d + lr);
                a2.intoArray(wide, d + 2 * lr);
                a3.intoArray(wide, d + 3 * lr);
            }
        }
        for (; k + 2 <= nOut; k += 2) {
            // two planes left (LeNet's input gradient has 6): 2 x 3 blocks keep loads per FMA low
            int w0 = k * ckk, w1 = w0 + ckk;
            int v = 0;
            for (; v + 3 <= nv; v += 3) {
                int p = off + v * VL;
                FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
                int[] taps = plan.taps(v, 3);
                for (int t = 0; t < taps.length; t++) {
                    int u = taps[t];
                    int q = p + offs[u];
                    FloatVector x0 = FloatVector.fromArray(F, in, q);
                    FloatVector x1 = FloatVector.fromArray(F, in, q + VL);
                    FloatVector x2 = FloatVector.fromArray(F, in, q + 2 * VL);
                    FloatVector b = FloatVector.broadcast(F, wt[w0 + u]);
                    a00 = b.fma(x0, a00);
                    a01 = b.fma(x1, a01);
                    a02 = b.fma(x2, a02);
                    b = FloatVector.broadcast(F, wt[w1 + u]);
                    a10 = b.fma(x0, a10);
                    a11 = b.fma(x1, a11);
                    a12 = b.fma(x2, a12);
                }
                int d = k * lr + v * VL;
                a00.intoArray(wide, d);
                a01.intoArray(wide, d + VL);
                a02.intoArray(wide, d + 2 * VL);
                a10.intoArray(wide, d + lr);
                a11.intoArray(wide, d + lr + VL);
                a12.intoArray(wide, d + lr + 2 * VL);
            }
            for (; v < nv; v++) {
                int p = off + v * VL;
                FloatVector a0 = FloatVector.zero(F), a1 = a0;
                int[] taps = plan.taps(v, 1);
                for (int t = 0; t < taps.length; t++) {
                    int u = taps[t];
                    FloatVector x0 = FloatVector.fromArray(F, in, p + offs[u]);
                    a0 = FloatVector.broadcast(F, wt[w0 + u]).fma(x0, a0);
                    a1 = FloatVector.broadcast(F, wt[w1 + u]).fma(x0, a1);
                }
                int d = k * lr + v * VL;
                a0.intoArray(wide, d);
                a1.intoArray(wide, d + lr);
            }
        }
        for (; k < nOut; k++) {
            int w0 = k * ckk;
            int v = 0;
            for (; v + 4 <= nv; v += 4) {
                int p = off + v * VL;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                int[] taps = plan.taps(v, 4);
                for (int t = 0; t < taps.length; t++) {
                    int u = taps[t];
                    int q = p + offs[u];
                    FloatVector b = FloatVector.broadcast(F, wt[w0 + u]);
                    a0 = b.fma(FloatVector.fromArray(F, in, q), a0);
                    a1 = b.fma(FloatVector.fromArray(F, in, q + VL), a1);
                    a2 = b.fma(FloatVector.fromArray(F, in, q + 2 * VL), a2);
                    a3 = b.fma(FloatVector.fromArray(F, in, q + 3 * VL), a3);
                }
                int d = k * lr + v * VL;
                a0.intoArray(wide, d);
                a1.intoArray(wide, d + VL);
                a2.intoArray(wide, d + 2 * VL);
                a3.intoArray(wide, d + 3 * VL);
            }
            for (; v < nv; v++) {
                int p = off + v * VL;
                FloatVector a0 = FloatVector.zero(F);
                int[] taps = plan.taps(v, 1);
                for (int t = 0; t < taps.length; t++) {
                    int u = taps[t];
                    a0 = FloatVector.broadcast(F, wt[w0 + u]).fma(FloatVector.fromArray(F, in, p + offs[u]), a0);
                }
                a0.intoArray(wide, k * lr + v * VL);
            }
        }
    }
}

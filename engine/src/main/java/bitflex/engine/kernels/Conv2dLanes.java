package bitflex.engine.kernels;

import bitflex.engine.memory.ScratchMemory;
import bitflex.engine.simd.BlockTranspose;
import bitflex.engine.simd.Simd;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Forward of a direct stride-1 convolution with the samples in the vector lanes: a group of
 * {@link #VL} samples is laid out as [channel][row][column][sample], so a vector holds one pixel of VL
 * samples and every FMA does useful work. Used for the small layers of {@link #applies} (LeNet-5's);
 * their gradients are in {@link Conv2dLanesInputGrad} and {@link Conv2dWeightGradChannelsLast}, or on
 * the wide grid of {@link Conv2dDirectMulti} where those do not apply.
 *
 * <p>Why: the wide grid computes each output row over the padded input's full width, and on LeNet-5's
 * second layer 29% of those FMAs fall on columns that are thrown away. Here an output position is a
 * whole vector, so a block of {@link #PLANES} output planes x 2 positions (12 accumulators, 2 input
 * vectors, 1 weight broadcast: 15 of AVX2's 16 registers) has no waste, and C2 keeps it in registers
 * (a 4 x 3 block spilled an accumulator, and every step then waited on a store and a reload).
 * Measured on Zen 3 (AVX2), one thread, batch 64, transposes included: LeNet-5's [1,28,28] 5x5 pad 2
 * -> 6 forward 545-870 -> 375-645 us, [6,14,14] 5x5 -> 16 940-1660 -> 500-920 us (the machine's speed
 * moved between runs; each pair ran side by side).
 *
 * <p>The input gradient in this layout is {@link Conv2dLanesInputGrad} (with a tap list per pair of
 * positions, so the zero margin around dY is not multiplied). Not for the weight gradient (that is
 * {@link Conv2dWeightGradChannelsLast}, channels in the lanes): in this layout it was no faster (C2
 * spilled 2 of 12 accumulators with dY in the broadcast's place; blocks of 4 x 2, 3 x 3 and 2 x 6 ran
 * at 22-32 GFLOPS, no better than the wide grid's, before any transpose of dY).
 *
 * <p>Arithmetic order: that of {@link Conv2dDirectMultiScalar#forwardChunk}, the wide kernel's twin (an
 * output is fma(w, x, acc) from 0 over input channels, then taps, increasing, then + bias; every tap is
 * read, padding included), so the two are equal bit for bit, for any vector length and thread count.
 */
final class Conv2dLanes {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final VectorSpecies<Integer> I = Simd.INT;
    /** Samples per group: one per lane. */
    static final int VL = F.length();
    /** Output planes per block (see the class comment for the register count). */
    static final int PLANES = 6;
    /** Largest C x padded H x padded W of an input run here: LeNet-5's layers (1,024 and 1,176), not ResNet-20's (5,184 and up). */
    static final int MAX_PADDED_PIXELS = 2048;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Conv2dLanes() {}

    /** One thread's buffers, grown on demand and kept, so a training step allocates nothing here. */
    private static final class Scratch {
        float[] in = new float[0];
        float[] out = new float[0];
        float[] pooled = new float[0];
        int[] words = new int[0];
        int[] base = new int[0];
        int[] offs = new int[0];
    }

    /**
     * Whether a forward runs here: one the direct kernels take whose zero-padded input has at most
     * {@link #MAX_PADDED_PIXELS} pixels over all channels (larger layers keep the wide grid until
     * measured).
     */
    static boolean applies(ConvGeometry g) {
        long in = (long) g.c() * (g.h() + 2L * g.padH()) * (g.w() + 2L * g.padW());
        return Conv2dDirectMulti.applies(g) && in <= MAX_PADDED_PIXELS;
    }

    /** Groups of {@link #VL} samples in a batch of n (the last one may be partial). */
    static int groups(int n) {
        return (n + VL - 1) / VL;
    }

    // ---- layouts -------------------------------------------------------------------------------

    /**
     * Samples [from, from + cnt) of src ([N, planes, h, w]) in lanes, each plane zero-padded to hp x wp
     * with the image at (top, left): dst[((p*hp + y + top)*wp + x + left)*VL + lane] = src[from + lane, p,
     * y, x]; the padding and the lanes past cnt are 0.
     */
    static void toLanes(float[] src, int from, int cnt, int planes, int h, int w, int top, int left, int hp, int wp, float[] dst) {
        Arrays.fill(dst, 0, planes * hp * wp * VL, 0f);
        // The lanes innermost: each pixel's VL lanes are one cache line of dst, written at once, and the
        // samples are VL read streams. With the samples outermost every store went to another line of a
        // dst larger than L1, VL sweeps over it (7.4% of a warm LeNet-5 step on AVX-512).
        // With 8 lanes and 8 samples, 8 pixels at a time are an 8 x 8 transpose in registers.
        int sampleStride = planes * h * w;
        boolean blocks = BlockTranspose.SUPPORTED && cnt == VL;
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < h; y++) {
                int d = ((p * hp + y + top) * wp + left) * VL;
                int s = (from * planes + p) * h * w + y * w;
                int x = 0;
                if (blocks) {
                    for (; x + VL <= w; x += VL, d += VL * VL, s += VL) {
                        BlockTranspose.transpose8(src, s, sampleStride, dst, d, VL);
                    }
                }
                for (; x < w; x++, d += VL, s++) {
                    for (int l = 0, sl = s; l < cnt; l++, sl += sampleStride) {
                        dst[d + l] = src[sl];
                    }
                }
            }
        }
    }

    /**
     * Lanes [0, cnt) of src ([planes][positions][VL]) as samples [sample, sample + cnt) of dst
     * ([N, planes, positions]): dst[((sample + i)*planes + p)*positions + q] = src[(p*positions + q)*VL
     * + i] (+ b[p] when b is not null).
     */
    static void fromLanes(float[] src, int planes, int positions, float[] b, int cnt, float[] dst, int sample) {
        // The lanes innermost, as in toLanes: src is read once, in order, and dst is cnt write streams.
        // With 8 lanes and 8 samples, 8 positions at a time are an 8 x 8 transpose in registers.
        int sampleStride = planes * positions;
        boolean blocks = BlockTranspose.SUPPORTED && cnt == VL;
        for (int p = 0; p < planes; p++) {
            float bias = b == null ? 0f : b[p];
            int s = p * positions * VL;
            int d = (sample * planes + p) * positions;
            int q = 0;
            if (blocks) {
                for (; q + VL <= positions; q += VL, s += VL * VL, d += VL) {
                    if (b == null) {
                        BlockTranspose.transpose8(src, s, VL, dst, d, sampleStride);
                    } else {
                        BlockTranspose.transpose8Add(src, s, VL, bias, dst, d, sampleStride);
                    }
                }
            }
            for (; q < positions; q++, s += VL, d++) {
                if (b == null) {
                    for (int i = 0, di = d; i < cnt; i++, di += sampleStride) {
                        dst[di] = src[s + i];
                    }
                } else {
                    for (int i = 0, di = d; i < cnt; i++, di += sampleStride) {
                        dst[di] = src[s + i] + bias;
                    }
                }
            }
        }
    }

    /** base[y*ow + x] = (y*wp + x)*VL: where output (y, x) reads its first tap. */
    static int[] positionBases(int[] base, int oh, int ow, int wp) {
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                base[y * ow + x] = (y * wp + x) * VL;
            }
        }
        return base;
    }

    /** offs[(c*kh + i)*kw + j] = ((c*hp + i)*wp + j)*VL: where tap (c, i, j) sits relative to a position's base. */
    static int[] tapOffsets(int[] offs, int planes, int kh, int kw, int hp, int wp) {
        for (int c = 0, u = 0; c < planes; c++) {
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++, u++) {
                    offs[u] = ((c * hp + i) * wp + j) * VL;
                }
            }
        }
        return offs;
    }

    private static Scratch forwardLayout(Scratch s, ConvGeometry g, int o) {
        int hp = g.h() + 2 * g.padH(), wp = g.w() + 2 * g.padW(), p = g.positions();
        s.in = ScratchMemory.floats(s.in, g.c() * hp * wp * VL);
        s.out = ScratchMemory.floats(s.out, o * p * VL);
        s.base = positionBases(ScratchMemory.ints(s.base, p), g.oh(), g.ow(), wp);
        s.offs = tapOffsets(ScratchMemory.ints(s.offs, g.patch()), g.c(), g.kh(), g.kw(), hp, wp);
        return s;
    }

    private static void loadInput(float[] x, int from, int cnt, ConvGeometry g, Scratch s) {
        toLanes(x, from, cnt, g.c(), g.h(), g.w(), g.padH(), g.padW(), g.h() + 2 * g.padH(), g.w() + 2 * g.padW(), s.in);
    }

    // ---- entry points (one group each) ---------------------------------------------------------

    /** Forward of samples [from, from + cnt), cnt <= VL: y ([N, O, OH, OW]) = conv(x, w) + b (b may be null). */
    static void forwardGroup(float[] x, int from, int cnt, ConvGeometry g, float[] w, int o, float[] b, float[] y) {
        Scratch s = forwardLayout(SCRATCH.get(), g, o);
        loadInput(x, from, cnt, g, s);
        correlate(s.in, s.base, g.positions(), s.offs, g.patch(), w, o, s.out);
        fromLanes(s.out, o, g.positions(), b, cnt, y, from);
    }

    /**
     * Forward of samples [from, from + cnt), then ReLU and 2x2 max pooling of each sample's planes:
     * pooled ([N, O, OH/2, OW/2]) and the winner masks (winners may be null), bit for bit what
     * {@link MaxPool2x2#reluForwardFromWide} writes for each sample's planes (see {@link #reluPool}).
     */
    static void forwardGroupReluPool(float[] x, int from, int cnt, ConvGeometry g, float[] w, int o, float[] b, float[] pooled,
                                     int[] winners) {
        Scratch s = forwardLayout(SCRATCH.get(), g, o);
        loadInput(x, from, cnt, g, s);
        int oh = g.oh(), ow = g.ow(), p = g.positions(), pp = (oh / 2) * (ow / 2);
        correlate(s.in, s.base, p, s.offs, g.patch(), w, o, s.out);
        s.pooled = ScratchMemory.floats(s.pooled, o * pp * VL);
        s.words = ScratchMemory.ints(s.words, 2 * VL);
        reluPool(s.out, o, oh, ow, b, s.pooled, winners, from, cnt, s.words);
        fromLanes(s.pooled, o, pp, null, cnt, pooled, from);
    }

    /**
     * ReLU and 2x2 / stride 2 max pooling in the lane layout: out ([O][OH*OW][VL], the convolution
     * without its bias) -> pooled ([O][OH/2*OW/2][VL]), and the winners of samples [from, from + cnt)
     * (lane i is sample from + i) in {@link MaxPool2x2#winnerInts}'s layout per [sample, plane]:
     * per pooled row and vector of the row pair, a top-row and a bottom-row word, bit j for column
     * v*VL + j of the pair.
     *
     * <p>Why here and not on each sample's copied planes: copying the full-size output out of the lanes
     * took 5.5% of a warm LeNet-5 step and the pool's stores 3.6% (AVX-512); in this layout a window is
     * four whole vectors and its max is three lanewise maxes. Bits: each window's value is
     * max(max(max(tl, bl), max(tr, br)), 0), each element + bias when there is one, as the wide pool
     * computes it (Math.max is exact and order-free), and the winner is the first of top-left,
     * top-right, bottom-left, bottom-right equal to a positive output, as there.
     */
    private static void reluPool(float[] out, int o, int oh, int ow, float[] b, float[] pooled, int[] winners, int from, int cnt,
                                 int[] words) {
        for (int k = 0; k < o; k++) {
            if (winners == null) {
                reluPoolPlaneInference(out, k, oh, ow, b, pooled);
            } else {
                reluPoolPlane(out, k, o, oh, ow, b, pooled, winners, from, cnt, words);
            }
        }
    }

    /**
     * {@link #reluPool} of output plane k. A method of its own so that C2 compiles it whole after a
     * few calls: as one loop over the planes, called once per group, it was compiled for OSR at its
     * loops first, 3 compiles during one-epoch LeNet-5 training (2 OSR, 5 with the evaluation's, 705
     * ms of C2 time, 2 Zen 3 cores); now 1 (65 ms), and the loop over the planes runs in C1
     * (compiler-directives.json). C2 CPU 1.90 -> 1.87 s and 13.7k -> 13.8k samples/s (medians of 6
     * interleaved pairs): within noise, kept for the steadier compiles.
     */
    private static void reluPoolPlane(float[] out, int k, int o, int oh, int ow, float[] b, float[] pooled, int[] winners, int from,
                                      int cnt, int[] words) {
        int ph = oh / 2, pw = ow / 2, p = oh * ow, pp = ph * pw;
        int perVector = VL / 2, vectors = (2 * pw + VL - 1) / VL, wpp = MaxPool2x2.winnerInts(oh, ow);
        FloatVector zero = FloatVector.zero(F);
        FloatVector bias = FloatVector.broadcast(F, b == null ? 0f : b[k]);
        for (int r = 0; r < ph; r++) {
            for (int v = 0; v < vectors; v++) {
                IntVector top = IntVector.zero(I), bottom = top;
                for (int c = v * perVector, cEnd = Math.min(pw, c + perVector); c < cEnd; c++) {
                    int at = (k * p + 2 * r * ow + 2 * c) * VL;
                    FloatVector tl = FloatVector.fromArray(F, out, at);
                    FloatVector tr = FloatVector.fromArray(F, out, at + VL);
                    FloatVector bl = FloatVector.fromArray(F, out, at + ow * VL);
                    FloatVector br = FloatVector.fromArray(F, out, at + (ow + 1) * VL);
                    if (b != null) {
                        tl = tl.add(bias);
                        tr = tr.add(bias);
                        bl = bl.add(bias);
                        br = br.add(bias);
                    }
                    FloatVector m = tl.max(bl).max(tr.max(br)).max(zero);
                    m.intoArray(pooled, (k * pp + r * pw + c) * VL);
                    VectorMask<Float> positive = m.compare(VectorOperators.GT, zero);
                    VectorMask<Float> isTl = tl.compare(VectorOperators.EQ, m).and(positive);
                    VectorMask<Float> isTr = tr.compare(VectorOperators.EQ, m).and(positive);
                    VectorMask<Float> isBl = bl.compare(VectorOperators.EQ, m).and(positive);
                    VectorMask<Float> isBr = br.compare(VectorOperators.EQ, m).and(positive);
                    VectorMask<Float> onTop = isTl.or(isTr);
                    int bit = 1 << (2 * c - v * VL);
                    top = top.lanewise(VectorOperators.OR, bit, isTl.cast(I))
                            .lanewise(VectorOperators.OR, bit << 1, isTr.andNot(isTl).cast(I));
                    bottom = bottom.lanewise(VectorOperators.OR, bit, isBl.andNot(onTop).cast(I))
                            .lanewise(VectorOperators.OR, bit << 1, isBr.andNot(onTop.or(isBl)).cast(I));
                }
                top.intoArray(words, 0);
                bottom.intoArray(words, VL);
                int word = (r * vectors + v) * 2;
                for (int i = 0; i < cnt; i++) {
                    int at = ((from + i) * o + k) * wpp + word;
                    winners[at] = words[i];
                    winners[at + 1] = words[VL + i];
                }
            }
        }
    }

    /**
     * {@link #reluPoolPlane} without the winners, for inference. A method of its own because the first
     * evaluation after training took the training version's untaken no-winners branch: its C2 code was
     * thrown away (an uncommon trap) and recompiled four times, three of them for OSR (550 ms of C2
     * time after a one-epoch LeNet-5 run on 2 Zen 3 cores), and the next epoch ran the recompiled code.
     */
    private static void reluPoolPlaneInference(float[] out, int k, int oh, int ow, float[] b, float[] pooled) {
        int ph = oh / 2, pw = ow / 2, p = oh * ow, pp = ph * pw;
        FloatVector zero = FloatVector.zero(F);
        FloatVector bias = FloatVector.broadcast(F, b == null ? 0f : b[k]);
        for (int r = 0; r < ph; r++) {
            for (int c = 0; c < pw; c++) {
                int at = (k * p + 2 * r * ow + 2 * c) * VL;
                FloatVector tl = FloatVector.fromArray(F, out, at);
                FloatVector tr = FloatVector.fromArray(F, out, at + VL);
                FloatVector bl = FloatVector.fromArray(F, out, at + ow * VL);
                FloatVector br = FloatVector.fromArray(F, out, at + (ow + 1) * VL);
                if (b != null) {
                    tl = tl.add(bias);
                    tr = tr.add(bias);
                    bl = bl.add(bias);
                    br = br.add(bias);
                }
                tl.max(bl).max(tr.max(br)).max(zero).intoArray(pooled, (k * pp + r * pw + c) * VL);
            }
        }
    }

    // ---- kernels -------------------------------------------------------------------------------

    /**
     * out[(k*P + q)*VL + lane] = sum over u < U of wt[k*U + u] * in[base[q] + offs[u] + lane], by fma from 0
     * in increasing u, for k < nOut and q < P.
     */
    static void correlate(float[] in, int[] base, int positions, int[] offs, int taps, float[] wt, int nOut, float[] out) {
        int k = 0;
        for (; k + PLANES <= nOut; k += PLANES) {
            for (int q = 0; q < positions; q += 2) {
                planes6(in, base, positions, offs, taps, wt, k, q, out);
            }
        }
        for (; k + 4 <= nOut; k += 4) {
            for (int q = 0; q < positions; q += 2) {
                planes4(in, base, positions, offs, taps, wt, k, q, out);
            }
        }
        for (; k < nOut; k++) {
            for (int q = 0; q < positions; q += 2) {
                plane1(in, base, positions, offs, taps, wt, k, q, out);
            }
        }
    }

    /** Planes k..k+5 at positions q and q+1 (q again when q+1 is past the end: computed twice, stored once). */
    private static void planes6(float[] in, int[] base, int positions, int[] offs, int taps, float[] wt, int k, int q, float[] out) {
        boolean two = q + 1 < positions;
        int q0 = base[q], q1 = base[two ? q + 1 : q];
        int w0 = k * taps, w1 = w0 + taps, w2 = w1 + taps, w3 = w2 + taps, w4 = w3 + taps, w5 = w4 + taps;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
        FloatVector a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
        for (int u = 0; u < taps; u++) {
            int t = offs[u];
            FloatVector x0 = FloatVector.fromArray(F, in, q0 + t);
            FloatVector x1 = FloatVector.fromArray(F, in, q1 + t);
            FloatVector b = FloatVector.broadcast(F, wt[w0 + u]);
            a00 = b.fma(x0, a00);
            a01 = b.fma(x1, a01);
            b = FloatVector.broadcast(F, wt[w1 + u]);
            a10 = b.fma(x0, a10);
            a11 = b.fma(x1, a11);
            b = FloatVector.broadcast(F, wt[w2 + u]);
            a20 = b.fma(x0, a20);
            a21 = b.fma(x1, a21);
            b = FloatVector.broadcast(F, wt[w3 + u]);
            a30 = b.fma(x0, a30);
            a31 = b.fma(x1, a31);
            b = FloatVector.broadcast(F, wt[w4 + u]);
            a40 = b.fma(x0, a40);
            a41 = b.fma(x1, a41);
            b = FloatVector.broadcast(F, wt[w5 + u]);
            a50 = b.fma(x0, a50);
            a51 = b.fma(x1, a51);
        }
        int d = (k * positions + q) * VL, plane = positions * VL;
        a00.intoArray(out, d);
        a10.intoArray(out, d + plane);
        a20.intoArray(out, d + 2 * plane);
        a30.intoArray(out, d + 3 * plane);
        a40.intoArray(out, d + 4 * plane);
        a50.intoArray(out, d + 5 * plane);
        if (two) {
            a01.intoArray(out, d + VL);
            a11.intoArray(out, d + plane + VL);
            a21.intoArray(out, d + 2 * plane + VL);
            a31.intoArray(out, d + 3 * plane + VL);
            a41.intoArray(out, d + 4 * plane + VL);
            a51.intoArray(out, d + 5 * plane + VL);
        }
    }

    /** {@link #planes6} for planes k..k+3. */
    private static void planes4(float[] in, int[] base, int positions, int[] offs, int taps, float[] wt, int k, int q, float[] out) {
        boolean two = q + 1 < positions;
        int q0 = base[q], q1 = base[two ? q + 1 : q];
        int w0 = k * taps, w1 = w0 + taps, w2 = w1 + taps, w3 = w2 + taps;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int u = 0; u < taps; u++) {
            int t = offs[u];
            FloatVector x0 = FloatVector.fromArray(F, in, q0 + t);
            FloatVector x1 = FloatVector.fromArray(F, in, q1 + t);
            FloatVector b = FloatVector.broadcast(F, wt[w0 + u]);
            a00 = b.fma(x0, a00);
            a01 = b.fma(x1, a01);
            b = FloatVector.broadcast(F, wt[w1 + u]);
            a10 = b.fma(x0, a10);
            a11 = b.fma(x1, a11);
            b = FloatVector.broadcast(F, wt[w2 + u]);
            a20 = b.fma(x0, a20);
            a21 = b.fma(x1, a21);
            b = FloatVector.broadcast(F, wt[w3 + u]);
            a30 = b.fma(x0, a30);
            a31 = b.fma(x1, a31);
        }
        int d = (k * positions + q) * VL, plane = positions * VL;
        a00.intoArray(out, d);
        a10.intoArray(out, d + plane);
        a20.intoArray(out, d + 2 * plane);
        a30.intoArray(out, d + 3 * plane);
        if (two) {
            a01.intoArray(out, d + VL);
            a11.intoArray(out, d + plane + VL);
            a21.intoArray(out, d + 2 * plane + VL);
            a31.intoArray(out, d + 3 * plane + VL);
        }
    }

    /** {@link #planes6} for plane k alone. */
    private static void plane1(float[] in, int[] base, int positions, int[] offs, int taps, float[] wt, int k, int q, float[] out) {
        boolean two = q + 1 < positions;
        int q0 = base[q], q1 = base[two ? q + 1 : q];
        int w0 = k * taps;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int u = 0; u < taps; u++) {
            int t = offs[u];
            FloatVector b = FloatVector.broadcast(F, wt[w0 + u]);
            a0 = b.fma(FloatVector.fromArray(F, in, q0 + t), a0);
            a1 = b.fma(FloatVector.fromArray(F, in, q1 + t), a1);
        }
        int d = (k * positions + q) * VL;
        a0.intoArray(out, d);
        if (two) {
            a1.intoArray(out, d + VL);
        }
    }
}

package bitflex.engine.kernels;

import bitflex.engine.memory.ScratchMemory;
import bitflex.engine.simd.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Input gradient of a direct stride-1 convolution with the samples in the vector lanes, for the layers
 * {@link Conv2dLanes} runs forward (LeNet-5's): dX = the full correlation of dY with the turned kernel,
 * computed like {@link Conv2dLanes}' forward (blocks of 6 dX planes x 2 positions) over dY laid out as
 * [O][row][column][sample] inside a zero margin of KH-1-padH rows and KW-1-padW columns.
 *
 * <p>Why a tap list per pair of positions: near dX's border most taps of the full correlation read the
 * zero margin (on LeNet-5's conv2, [16,10,10] -> [6,14,14], half of them), and multiplying them all
 * made an earlier lane-layout input gradient no faster than the wide grid's. Here each pair of output
 * positions reads only the taps whose rows and columns reach dY for at least one of the two (93% of the
 * FMAs do useful work on conv2), while the FMAs of a block run at the forward's rate. Measured on Zen 3
 * (AVX2), one thread, batch 64, transposes included, old and new side by side: conv2's input gradient
 * 1.19-1.52 ms on the wide grid, 0.77 ms here.
 *
 * <p>Arithmetic: dX[c][p] is fma(wt, dY, acc) from +0 over the turned kernel's taps u = (o, i, j) in
 * increasing order, skipping taps that read the margin; the scalar twin
 * ({@link Conv2dDirectMultiScalar#inputGradChunk}) reads every tap and adds w * 0 for the skipped ones,
 * which changes nothing except where a weight is not finite or an accumulator underflowed to -0 (as for
 * the wide grid's {@link Conv2dTapPlan}). Nothing depends on the thread count.
 */
final class Conv2dLanesInputGrad {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final int VL = Conv2dLanes.VL;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Conv2dLanesInputGrad() {}

    /** One thread's buffers and the tap lists of the last layer it ran, kept so a training step allocates nothing. */
    private static final class Scratch {
        float[] dy = new float[0];
        float[] dx = new float[0];
        int[] base = new int[0];
        int[] offs = new int[0];
        /** Pair q/2 reads taps[start[q/2] .. start[q/2 + 1]). */
        int[] start = new int[0];
        int[] taps = new int[0];
        /** tapOffs[t] = offs[taps[t]]: list entry t's input offset, without a load that waits on another. */
        int[] tapOffs = new int[0];
        ConvGeometry planned;
        int plannedO = -1;
    }

    /**
     * Whether the input gradient runs here: the layers whose forward {@link Conv2dLanes} runs, with a
     * padding below the kernel size (so that dY's margin is not negative).
     */
    static boolean applies(ConvGeometry g) {
        return Conv2dLanes.applies(g) && g.padH() < g.kh() && g.padW() < g.kw();
    }

    /** Rows of zero margin above dY (and columns left of it) in the correlation's input. */
    private static int marginRows(ConvGeometry g) {
        return g.kh() - 1 - g.padH();
    }

    private static int marginCols(ConvGeometry g) {
        return g.kw() - 1 - g.padW();
    }

    /**
     * dx of samples [from, from + cnt) (cnt <= VL), overwritten, from dy ([N, O, OH, OW]); wt is
     * {@link Conv2dDirectMulti#turnedKernel}.
     */
    static void inputGradGroup(float[] dy, int from, int cnt, ConvGeometry g, float[] wt, int o, float[] dx) {
        int h = g.h(), w = g.w(), hq = h + g.kh() - 1, wq = w + g.kw() - 1, p = h * w, c = g.c();
        Scratch s = plan(SCRATCH.get(), g, o, hq, wq);
        s.dy = ScratchMemory.floats(s.dy, o * hq * wq * VL);
        s.dx = ScratchMemory.floats(s.dx, c * p * VL);
        Conv2dLanes.toLanes(dy, from, cnt, o, g.oh(), g.ow(), marginRows(g), marginCols(g), hq, wq, s.dy);
        correlate(s.dy, s.base, p, s.tapOffs, s.start, s.taps, o * g.kh() * g.kw(), wt, c, s.dx);
        Conv2dLanes.fromLanes(s.dx, c, p, null, cnt, dx, from);
    }

    /**
     * The layer's position bases, tap offsets and per-pair tap lists, made when the thread's last layer
     * was another one. A tap (o, i, j) of dX position (y, x) reads dY row y + i - marginRows, which holds
     * data for 0 <= y + i - marginRows < OH; a pair keeps a tap when it does so, and likewise for its
     * column, for at least one of its two positions (the second is the first again past the end).
     */
    private static Scratch plan(Scratch s, ConvGeometry g, int o, int hq, int wq) {
        if (o == s.plannedO && g.equals(s.planned)) {
            return s;
        }
        int h = g.h(), w = g.w(), p = h * w, kh = g.kh(), kw = g.kw(), kk = kh * kw;
        int mr = marginRows(g), mc = marginCols(g), oh = g.oh(), ow = g.ow();
        s.base = Conv2dLanes.positionBases(ScratchMemory.ints(s.base, p), h, w, wq);
        s.offs = Conv2dLanes.tapOffsets(ScratchMemory.ints(s.offs, o * kk), o, kh, kw, hq, wq);
        int pairs = (p + 1) / 2;
        s.start = ScratchMemory.ints(s.start, pairs + 1);
        int total = 0;
        for (int pass = 0; pass < 2; pass++) {
            int t = 0;
            for (int pair = 0; pair < pairs; pair++) {
                int q0 = 2 * pair, q1 = Math.min(p - 1, q0 + 1);
                int y0 = q0 / w, x0 = q0 % w, y1 = q1 / w, x1 = q1 % w;
                if (pass == 1) {
                    s.start[pair] = t;
                }
                for (int k = 0; k < o; k++) {
                    for (int i = 0; i < kh; i++) {
                        if (!reachesData(y0 + i - mr, oh) && !reachesData(y1 + i - mr, oh)) {
                            continue;
                        }
                        for (int j = 0; j < kw; j++) {
                            boolean first = reachesData(y0 + i - mr, oh) && reachesData(x0 + j - mc, ow);
                            boolean second = reachesData(y1 + i - mr, oh) && reachesData(x1 + j - mc, ow);
                            if (first || second) {
                                if (pass == 1) {
                                    s.taps[t] = k * kk + i * kw + j;
                                }
                                t++;
                            }
                        }
                    }
                }
            }
            if (pass == 0) {
                total = t;
                s.taps = ScratchMemory.ints(s.taps, total);
                s.tapOffs = ScratchMemory.ints(s.tapOffs, total);
            } else {
                s.start[pairs] = t;
            }
        }
        for (int t = 0; t < total; t++) {
            s.tapOffs[t] = s.offs[s.taps[t]];
        }
        s.planned = g;
        s.plannedO = o;
        return s;
    }

    private static boolean reachesData(int row, int rows) {
        return row >= 0 && row < rows;
    }

    /**
     * out[(k*P + q)*VL + lane] = sum over the pair's list entries t (tap u = taps[t]) of wt[k*U + u] *
     * in[base[q] + tapOffs[t] + lane], by fma from 0 in increasing u, for k < nOut and q < P.
     */
    static void correlate(float[] in, int[] base, int positions, int[] tapOffs, int[] start, int[] taps, int perPlane, float[] wt,
                          int nOut, float[] out) {
        int k = 0;
        for (; k + 6 <= nOut; k += 6) {
            for (int q = 0; q < positions; q += 2) {
                planes6(in, base, positions, tapOffs, start[q / 2], start[q / 2 + 1], taps, perPlane, wt, k, q, out);
            }
        }
        for (; k + 4 <= nOut; k += 4) {
            for (int q = 0; q < positions; q += 2) {
                planes4(in, base, positions, tapOffs, start[q / 2], start[q / 2 + 1], taps, perPlane, wt, k, q, out);
            }
        }
        for (; k < nOut; k++) {
            for (int q = 0; q < positions; q += 2) {
                plane1(in, base, positions, tapOffs, start[q / 2], start[q / 2 + 1], taps, perPlane, wt, k, q, out);
            }
        }
    }

    /** Planes k..k+5 at positions q and q+1 (q again when q+1 is past the end: computed twice, stored once). */
    private static void planes6(float[] in, int[] base, int positions, int[] tapOffs, int t0, int t1, int[] taps, int perPlane,
                                float[] wt, int k, int q, float[] out) {
        boolean two = q + 1 < positions;
        int q0 = base[q], q1 = base[two ? q + 1 : q];
        int w0 = k * perPlane, w1 = w0 + perPlane, w2 = w1 + perPlane, w3 = w2 + perPlane, w4 = w3 + perPlane, w5 = w4 + perPlane;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
        FloatVector a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
        for (int t = t0; t < t1; t++) {
            int u = taps[t], off = tapOffs[t];
            FloatVector x0 = FloatVector.fromArray(F, in, q0 + off);
            FloatVector x1 = FloatVector.fromArray(F, in, q1 + off);
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
    private static void planes4(float[] in, int[] base, int positions, int[] tapOffs, int t0, int t1, int[] taps, int perPlane,
                                float[] wt, int k, int q, float[] out) {
        boolean two = q + 1 < positions;
        int q0 = base[q], q1 = base[two ? q + 1 : q];
        int w0 = k * perPlane, w1 = w0 + perPlane, w2 = w1 + perPlane, w3 = w2 + perPlane;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int t = t0; t < t1; t++) {
            int u = taps[t], off = tapOffs[t];
            FloatVector x0 = FloatVector.fromArray(F, in, q0 + off);
            FloatVector x1 = FloatVector.fromArray(F, in, q1 + off);
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
    private static void plane1(float[] in, int[] base, int positions, int[] tapOffs, int t0, int t1, int[] taps, int perPlane,
                               float[] wt, int k, int q, float[] out) {
        boolean two = q + 1 < positions;
        int q0 = base[q], q1 = base[two ? q + 1 : q];
        int w0 = k * perPlane;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int t = t0; t < t1; t++) {
            int u = taps[t], off = tapOffs[t];
            FloatVector b = FloatVector.broadcast(F, wt[w0 + u]);
            a0 = b.fma(FloatVector.fromArray(F, in, q0 + off), a0);
            a1 = b.fma(FloatVector.fromArray(F, in, q1 + off), a1);
        }
        int d = (k * positions + q) * VL;
        a0.intoArray(out, d);
        if (two) {
            a1.intoArray(out, d + VL);
        }
    }
}

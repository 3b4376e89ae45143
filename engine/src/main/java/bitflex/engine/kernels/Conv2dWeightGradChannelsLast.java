package bitflex.engine.kernels;

import bitflex.engine.memory.ScratchMemory;
import bitflex.engine.parallel.Parallel;
import bitflex.engine.simd.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weight gradient of a direct stride-1 convolution with the output channels in the vector lanes, for
 * the layers {@link Conv2dLanes} runs forward with 5-wide kernels and whole pairs of channel vectors
 * (LeNet-5's conv2 with 8 or 4 lanes): dY is copied channels-last ([N][position][O]), and a task takes
 * 2 channel vectors x the 5 taps of one kernel row (10 accumulators, 2 dY vectors, 1 input broadcast)
 * over every sample and position of the batch. An entry of dW is then one accumulator lane from start
 * to end: no lane sums, no per-chunk partial results, and every FMA is useful.
 *
 * <p>Why: the wide grid's weight gradient ({@link Conv2dDirectWeightGrad}) multiplies the discarded
 * columns too (44% of its FMAs on LeNet-5's conv2), and in the samples-in-lanes layout its blocks
 * ran at 22-32 GFLOPS or spilled accumulators (see {@link Conv2dLanes}). The loop here is one flat loop over (sample, position)
 * with the taps at constant offsets from the position's first pixel: with nested row/column loops, or
 * 6 taps at arbitrary offsets, C2 parked loop integers in vector registers and spilled accumulators on
 * every step. Measured on Zen 3 (AVX2), one thread, batch 64, copies included: conv2's weight
 * gradient 1.02-1.85 ms -> 0.48-0.89 ms (two sessions' runs, old and new side by side).
 *
 * <p>Arithmetic: dW[k][u] = fma(dY, x, acc) from +0, sample by sample, each sample's output positions
 * row-major; the tasks split the entries, so each is computed by one thread in that order, whatever
 * the thread count. Its scalar twin is {@link #weightGradScalar}.
 */
final class Conv2dWeightGradChannelsLast {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final int VL = F.length();
    /** The kernel width the blocks are written for (LeNet-5's). */
    static final int KW = 5;
    /** One task's accumulators: 2 channel vectors x 5 taps, as [vector][tap][lane]. */
    private static final int TILE = 2 * KW * VL;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Conv2dWeightGradChannelsLast() {}

    /** The calling thread's buffers (the tasks read them), kept so a training step allocates nothing. */
    private static final class Scratch {
        float[] dyT = new float[0];
        float[] padded = new float[0];
        /** start[(i*OH + y)*OW + x]: where output (y, x) of sample i reads tap (0, 0, 0) in the (padded) input. */
        int[] start = new int[0];
        /** Each task's 2 x 5 accumulators on their way to dW (a region per task, so workers share no lanes). */
        float[] tiles = new float[0];
    }

    /**
     * Whether the weight gradient of a layer with o output channels runs here: one whose forward
     * {@link Conv2dLanes} runs, with 5-wide kernels and whole pairs of channel vectors (LeNet-5's conv2
     * with 8 or 4 lanes; its conv1, 6 channels, keeps the wide grid, where it runs well).
     */
    static boolean applies(ConvGeometry g, int o) {
        return Conv2dLanes.applies(g) && g.kw() == KW && o % (2 * VL) == 0;
    }

    /**
     * dw ([O, C, KH, KW]) = (when {@code add}: dw +) the weight gradient of x ([N, C, H, W]) and dy
     * ([N, O, OH, OW]) over the batch.
     */
    static void weightGrad(float[] x, int n, ConvGeometry g, float[] dy, int o, float[] dw, boolean add) {
        boolean padded = g.padH() > 0 || g.padW() > 0;
        // a padded copy has Conv2dDirect's plane layout (rows of WP, planes of paddedLength)
        int c = g.c(), wp = padded ? Conv2dDirect.paddedWidth(g) : g.w(), p = g.positions();
        int plane = padded ? Conv2dDirect.paddedLength(g) : g.h() * g.w(), ckk = g.patch(), xs = c * plane;
        Scratch s = SCRATCH.get();
        float[] dyT = s.dyT = ScratchMemory.floats(s.dyT, n * p * o);
        int[] start = s.start = ScratchMemory.ints(s.start, n * p);
        for (int i = 0, m = 0; i < n; i++) {
            for (int y = 0; y < g.oh(); y++) {
                for (int xx = 0; xx < g.ow(); xx++, m++) {
                    start[m] = i * xs + y * wp + xx;
                }
            }
        }
        float[] xp = padded ? (s.padded = ScratchMemory.floats(s.padded, n * xs)) : x;
        Parallel.forRange(n, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                channelsLast(dy, i, o, p, dyT);
                if (padded) {
                    for (int ch = 0; ch < c; ch++) {
                        Conv2dDirect.pad(x, (i * c + ch) * g.h() * g.w(), g, xp, i * xs + ch * plane);
                    }
                }
            }
        });
        int kernelRows = c * g.kh(), tasks = o / (2 * VL) * kernelRows;
        float[] tiles = s.tiles = ScratchMemory.floats(s.tiles, tasks * TILE);
        Parallel.forEach(tasks, task -> {
            int k0 = task / kernelRows * 2 * VL, row = task % kernelRows;
            vectors2row5(xp, start, n * p, row / g.kh() * plane + row % g.kh() * wp, dyT, o, k0, tiles, task * TILE);
            for (int t = 0; t < TILE; t++) {
                int e = (k0 + t / (KW * VL) * VL + t % VL) * ckk + row * KW + t / VL % KW;
                dw[e] = add ? dw[e] + tiles[task * TILE + t] : tiles[task * TILE + t];
            }
        });
    }

    /** dyT[(i*P + q)*O + k] = dy[i, k, q]: sample i's dY channels-last. */
    static void channelsLast(float[] dy, int i, int o, int p, float[] dyT) {
        int d = i * p * o;
        for (int k = 0; k < o; k++) {
            int src = (i * o + k) * p;
            for (int q = 0; q < p; q++) {
                dyT[d + q * o + k] = dy[src + q];
            }
        }
    }

    /**
     * Channels k0..k0+2VL-1, the 5 taps of one kernel row (input channel c, row i): the taps read x at
     * rowOff + 0..4 from an output position's first pixel, so their indices are constants to the JIT
     * and the loop keeps few integers live (with 6 taps at arbitrary offsets, C2 parked integers in
     * vector registers and spilled accumulators on every step).
     */
    private static void vectors2row5(float[] xp, int[] start, int rows, int rowOff, float[] dyT, int o, int k0,
                                     float[] tiles, int t) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a04 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00;
        for (int m = 0, d = k0; m < rows; m++, d += o) {
            int xq = start[m] + rowOff;
            FloatVector e0 = FloatVector.fromArray(F, dyT, d);
            FloatVector e1 = FloatVector.fromArray(F, dyT, d + VL);
            FloatVector b = FloatVector.broadcast(F, xp[xq]);
            a00 = e0.fma(b, a00);
            a10 = e1.fma(b, a10);
            b = FloatVector.broadcast(F, xp[xq + 1]);
            a01 = e0.fma(b, a01);
            a11 = e1.fma(b, a11);
            b = FloatVector.broadcast(F, xp[xq + 2]);
            a02 = e0.fma(b, a02);
            a12 = e1.fma(b, a12);
            b = FloatVector.broadcast(F, xp[xq + 3]);
            a03 = e0.fma(b, a03);
            a13 = e1.fma(b, a13);
            b = FloatVector.broadcast(F, xp[xq + 4]);
            a04 = e0.fma(b, a04);
            a14 = e1.fma(b, a14);
        }
        a00.intoArray(tiles, t);
        a01.intoArray(tiles, t + VL);
        a02.intoArray(tiles, t + 2 * VL);
        a03.intoArray(tiles, t + 3 * VL);
        a04.intoArray(tiles, t + 4 * VL);
        a10.intoArray(tiles, t + 5 * VL);
        a11.intoArray(tiles, t + 6 * VL);
        a12.intoArray(tiles, t + 7 * VL);
        a13.intoArray(tiles, t + 8 * VL);
        a14.intoArray(tiles, t + 9 * VL);
    }

    /** The scalar twin of {@link #weightGrad}: the same fma chain per entry, one float at a time. */
    static void weightGradScalar(float[] x, int n, ConvGeometry g, float[] dy, int o, float[] dw, boolean add) {
        int c = g.c(), h = g.h(), w = g.w(), kh = g.kh(), kw = g.kw(), oh = g.oh(), ow = g.ow(), p = oh * ow;
        for (int k = 0; k < o; k++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        float acc = 0f;
                        for (int s = 0; s < n; s++) {
                            for (int y = 0; y < oh; y++) {
                                for (int xx = 0; xx < ow; xx++) {
                                    int r = y + i - g.padH(), col = xx + j - g.padW();
                                    float v = r < 0 || r >= h || col < 0 || col >= w ? 0f : x[((s * c + ch) * h + r) * w + col];
                                    acc = Math.fma(dy[(s * o + k) * p + y * ow + xx], v, acc);
                                }
                            }
                        }
                        int e = ((k * c + ch) * kh + i) * kw + j;
                        dw[e] = add ? dw[e] + acc : acc;
                    }
                }
            }
        }
    }
}

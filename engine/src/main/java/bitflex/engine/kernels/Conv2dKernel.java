package bitflex.engine.kernels;

import bitflex.engine.gemm.Sgemm;
import bitflex.engine.memory.ScratchMemory;
import bitflex.engine.parallel.Parallel;

/**
 * 2-D convolution (NCHW, weights [O, C, KH, KW]), forward and both gradients: by direct kernels for
 * stride-1 layers with small patches (every stride-1 layer of LeNet-5 and ResNet-20, see below), by
 * im2col plus GEMM otherwise.
 *
 * <p>Why im2col + GEMM for the rest: {@link Sgemm} is the fastest general kernel the engine has
 * (packed, register-tiled, vectorised); lowering a strided or large-patch convolution to it costs one
 * copy of the input patches, small next to the GEMM there.
 *
 * <p>The batch is cut into chunks of S consecutive samples, S chosen from the layer shape alone so that
 * one GEMM sees about {@link #TARGET_COLUMNS} output positions (a 7x7 plane alone would make a GEMM too
 * thin to run fast) while leaving at least {@link #MIN_CHUNKS} chunks to spread over the threads. Per
 * chunk: the S column matrices side by side form one [CKK, S*P] matrix; forward is one GEMM
 * W [O, CKK] x cols [CKK, S*P], scattered to [S, O, P]; the input gradient is one GEMM
 * W^T [CKK, O] x dY [O, S*P] and a col2im per sample; the weight gradient is one GEMM
 * dY [O, S*P] x cols^T per chunk, and the chunks' partial sums are added in chunk order. GEMMs run
 * inline in each chunk's task (the executor does not nest), every task writes only its own
 * samples, and the chunking never depends on the thread count: results are bit-identical for any
 * number of threads. Forward keeps the column matrices for backward when they are small (see
 * {@link #setColumnCacheFloats}); larger ones are recomputed in backward, so such a convolution saves
 * only its input. Scratch buffers are per thread and their contents never affect results.
 *
 * <p>Exception: stride-1 layers with small patches run forward and both gradients by the direct
 * kernels of {@link Conv2dDirectMulti} instead (a rule on the geometry alone, see
 * {@link #prefersDirect}): zero-padded planes on a wide grid replace im2col and col2im, which cost more
 * than the FMAs for small planes. Same chunks, same chunk-order sum of the weight gradient, no columns
 * kept. The forward and input gradient of LeNet-5-sized layers run with the samples in the vector
 * lanes instead ({@link Conv2dLanes}, {@link Conv2dLanesInputGrad}: a group of VL samples per task; the
 * same bits as the wide kernel's twin); their weight gradient, with 5-wide kernels and whole pairs of
 * channel vectors, by {@link Conv2dWeightGradChannelsLast} (channels in the lanes, one thread per dW
 * entry over the whole batch: a different summation order from the wide grid's, the same for any
 * thread count).
 */
public final class Conv2dKernel {
    private Conv2dKernel() {}

    /** Output positions one chunk's GEMM should cover. */
    static final int TARGET_COLUMNS = 1024;
    /** Chunks to keep at least (when the batch allows) for parallelism. */
    static final int MIN_CHUNKS = 4;

    private static volatile long columnCacheFloats = 1L << 22;

    /**
     * Largest column matrix (in floats, over the whole batch) that forward keeps for backward instead
     * of backward recomputing it; 0 always recomputes (the least saved memory). Default 4M floats.
     */
    public static void setColumnCacheFloats(long floats) {
        if (floats < 0) {
            throw new IllegalArgumentException("columnCacheFloats must be >= 0, got " + floats);
        }
        columnCacheFloats = floats;
    }

    /** Floats of column matrix a layer would keep for backward, or 0 if it recomputes it or needs none. */
    public static long columnCacheSize(int n, ConvGeometry g) {
        long size = (long) n * g.patch() * g.positions();
        return g.pointwise() || prefersDirect(g) || size > columnCacheFloats ? 0 : size;
    }

    /** Largest C*KH*KW for which the multi-channel direct kernels are used (ResNet-20's largest, 64 x 3 x 3). */
    static final int DIRECT_MAX_PATCH = 576;

    /**
     * Whether a stride-1 layer runs forward and both gradients by the direct kernels
     * ({@link Conv2dDirectMulti}) instead of im2col + GEMM: every such layer with a kernel larger than
     * 1x1 and one input channel (im2col of one channel costs as much as the GEMM it feeds) or a patch
     * C*KH*KW of at most {@link #DIRECT_MAX_PATCH}. Measured on 2-core Zen 4 (AVX-512), batch 64, 1 and
     * 2 threads: LeNet's [1,28,28] 5x5 pad 2 -> 6 and [6,14,14] 5x5 -> 16 and ResNet-20's [16,28,28],
     * [32,14,14], [64,7,7] 3x3 pad 1 are faster direct in forward and input gradient, and in forward
     * plus weight gradient together (GEMM's weight gradient alone is close only when forward kept the
     * column matrices, which costs memory and a slower forward). Larger patches stay on GEMM until
     * measured (a first look at [64,14,14] and [96,14,14] 3x3 still favoured direct; [128,7,7] was too
     * noisy to call). A function of the geometry alone, so the arithmetic (and the bits) never depend
     * on the thread count.
     */
    static boolean prefersDirect(ConvGeometry g) {
        return Conv2dDirectMulti.applies(g) && (g.c() == 1 || g.patch() <= DIRECT_MAX_PATCH);
    }

    private static final int COL = 0;
    private static final int GEMM_OUT = 1;
    private static final int PARTIAL = 2;
    private static final int TURNED = 3;
    private static final int PLANE_SUMS = 4;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[5][0]);

    private static float[] scratch(int which, int n) {
        float[][] s = SCRATCH.get();
        return s[which] = ScratchMemory.floats(s[which], n);
    }

    /** Samples per chunk: a function of the batch size and layer shape only. */
    static int samplesPerChunk(int n, ConvGeometry g) {
        int byColumns = Math.max(1, (TARGET_COLUMNS + g.positions() - 1) / Math.max(1, g.positions()));
        int byParallelism = Math.max(1, (n + MIN_CHUNKS - 1) / MIN_CHUNKS);
        return Math.max(1, Math.min(byColumns, byParallelism));
    }

    /**
     * y[N, O, OH, OW] = conv(x[N, C, H, W], w[O, C, KH, KW]) + b[O] (b may be null). When
     * {@code keepCols} is not null (length {@link #columnCacheSize}), the column matrices are left there
     * for {@link #backward}.
     */
    public static void forward(float[] x, int n, ConvGeometry g, float[] w, int o, float[] b, float[] y, float[] keepCols) {
        forward(x, n, g, w, o, b, y, keepCols, prefersDirect(g));
    }

    /** {@link #forward}, by a direct kernel when {@code direct} (keeps no columns), else by im2col + GEMM. */
    static void forward(float[] x, int n, ConvGeometry g, float[] w, int o, float[] b, float[] y, float[] keepCols, boolean direct) {
        if (!direct) {
            forwardIm2col(x, n, g, w, o, b, y, keepCols);
            return;
        }
        if (!Conv2dDirectMulti.applies(g)) {
            throw new IllegalArgumentException("conv2d forward: the direct kernel needs stride 1 and a kernel larger than 1x1, got " + g);
        }
        if (Conv2dLanes.applies(g)) {
            Parallel.forEach(Conv2dLanes.groups(n), c -> {
                int from = c * Conv2dLanes.VL;
                Conv2dLanes.forwardGroup(x, from, Math.min(n, from + Conv2dLanes.VL) - from, g, w, o, b, y);
            });
            return;
        }
        int per = samplesPerChunk(n, g);
        Parallel.forEach((n + per - 1) / per, c -> {
            int from = c * per;
            Conv2dDirectMulti.forwardChunk(x, from, Math.min(n, from + per) - from, g, w, o, b, y);
        });
    }

    /** {@link #forward} always by im2col + GEMM (also the reference for the direct kernel's tests). */
    static void forwardIm2col(float[] x, int n, ConvGeometry g, float[] w, int o, float[] b, float[] y, float[] keepCols) {
        int ckk = g.patch();
        int p = g.positions();
        int xs = g.c() * g.h() * g.w();
        int per = samplesPerChunk(n, g);
        int chunks = (n + per - 1) / per;
        Parallel.forEach(chunks, c -> {
            int from = c * per;
            int cnt = Math.min(n, from + per) - from;
            int ld = cnt * p;
            float[] col = keepCols != null ? keepCols : scratch(COL, ckk * ld);
            int colOff = keepCols != null ? from * ckk * p : 0;
            for (int s = 0; s < cnt; s++) {
                if (g.pointwise()) {
                    for (int k = 0; k < ckk; k++) {
                        System.arraycopy(x, (from + s) * xs + k * p, col, colOff + k * ld + s * p, p);
                    }
                } else {
                    Im2col.im2col(x, (from + s) * xs, g, col, colOff + s * p, ld);
                }
            }
            float[] out = cnt == 1 ? y : scratch(GEMM_OUT, o * ld);
            int outOff = cnt == 1 ? from * o * p : 0;
            Sgemm.sgemm(false, false, o, ld, ckk, 1f, w, 0, ckk, col, colOff, ld, 0f, out, outOff, ld);
            for (int s = 0; s < cnt; s++) {
                for (int k = 0; k < o; k++) {
                    int dst = ((from + s) * o + k) * p;
                    // the bias is added on the way out of the GEMM buffer: one pass, not a copy and an add
                    float[] src = cnt == 1 ? y : out;
                    int srcOff = cnt == 1 ? dst : k * ld + s * p;
                    if (b != null) {
                        FloatKernels.binaryScalar(FloatKernels.ADD, src, srcOff, b[k], false, y, dst, p);
                    } else if (cnt != 1) {
                        System.arraycopy(out, srcOff, y, dst, p);
                    }
                }
            }
        });
    }

    /**
     * Gradients from dy[N, O, OH, OW]: dx (may be null: not wanted) overwritten with d/dx; dw
     * (may be null) overwritten with d/dw; db (may be null) overwritten with d/db. {@code keptCols} is
     * what forward left there, or null to recompute the column matrices. With {@code addW} /
     * {@code addB} the weight / bias gradient is added to what dw / db hold instead of overwriting it.
     */
    public static void backward(float[] x, int n, ConvGeometry g, float[] w, int o, float[] dy,
                                float[] dx, float[] dw, float[] db, float[] keptCols, boolean addW, boolean addB) {
        backward(x, n, g, w, o, dy, dx, dw, db, keptCols, addW, addB, prefersDirect(g), prefersDirect(g));
    }

    /**
     * {@link #backward}, the weight gradient by {@link Conv2dDirectWeightGrad} when {@code directW} (by
     * {@link Conv2dWeightGradChannelsLast} for the layers it takes), the
     * input gradient by {@link Conv2dDirectMulti} when {@code directX} (by {@link Conv2dLanesInputGrad}
     * for the layers it takes); the rest by GEMM.
     */
    static void backward(float[] x, int n, ConvGeometry g, float[] w, int o, float[] dy, float[] dx, float[] dw, float[] db,
                         float[] keptCols, boolean addW, boolean addB, boolean directW, boolean directX) {
        if ((directW || directX) && !Conv2dDirectMulti.applies(g)) {
            throw new IllegalArgumentException("conv2d backward: the direct kernels need stride 1 and a kernel larger than 1x1, got " + g);
        }
        int ckk = g.patch();
        int p = g.positions();
        int xs = g.c() * g.h() * g.w();
        int per = samplesPerChunk(n, g);
        int chunks = Math.max(1, (n + per - 1) / per);
        // The calling thread's PARTIAL, TURNED and PLANE_SUMS slots are used only here; tasks use COL and GEMM_OUT.
        boolean channelsLastW = dw != null && directW && Conv2dWeightGradChannelsLast.applies(g, o);
        float[] partial = dw == null || channelsLastW ? null : scratch(PARTIAL, chunks * o * ckk);
        // each dY plane's sum, in the chunks (in parallel), then added up below in sample order
        float[] planeSums = db == null ? null : scratch(PLANE_SUMS, n * o);
        if (channelsLastW) {
            Conv2dWeightGradChannelsLast.weightGrad(x, n, g, dy, o, dw, addW);
        } else if (dw != null && n == 0) {
            java.util.Arrays.fill(partial, 0, o * ckk, 0f);
        }
        boolean gemmW = dw != null && !directW, gemmX = dx != null && !directX;
        float[] turned = dx != null && directX ? Conv2dDirectMulti.turnedKernel(w, g, o, scratch(TURNED, o * ckk)) : null;
        if (turned != null && Conv2dLanesInputGrad.applies(g)) {
            Parallel.forEach(Conv2dLanes.groups(n), c -> {
                int from = c * Conv2dLanes.VL;
                Conv2dLanesInputGrad.inputGradGroup(dy, from, Math.min(n, from + Conv2dLanes.VL) - from, g, turned, o, dx);
            });
        }
        boolean wideX = turned != null && !Conv2dLanesInputGrad.applies(g);
        Parallel.forEach(n == 0 ? 0 : chunks, c -> {
            int from = c * per;
            int cnt = Math.min(n, from + per) - from;
            if (planeSums != null) {
                FloatKernels.sums(dy, from * o, (from + cnt) * o, p, planeSums);
            }
            if (dw != null && directW && !channelsLastW) {
                Conv2dDirectWeightGrad.chunkWeightGrad(x, from, cnt, g, dy, o, partial, c * o * ckk);
            }
            if (wideX) {
                Conv2dDirectMulti.inputGradChunk(dy, from, cnt, g, turned, o, dx);
            }
            if (!gemmW && !gemmX) {
                return;
            }
            int ld = cnt * p;
            // dY of the chunk as one [O, S*P] matrix (a view when the chunk is one sample)
            float[] dyc;
            int dyOff;
            if (cnt == 1) {
                dyc = dy;
                dyOff = from * o * p;
            } else {
                dyc = scratch(GEMM_OUT, o * ld);
                dyOff = 0;
                for (int s = 0; s < cnt; s++) {
                    for (int k = 0; k < o; k++) {
                        System.arraycopy(dy, ((from + s) * o + k) * p, dyc, k * ld + s * p, p);
                    }
                }
            }
            float[] col = scratch(COL, ckk * ld);
            if (gemmW) {
                float[] cols = col;
                int colsOff = 0;
                if (keptCols != null) {
                    cols = keptCols;
                    colsOff = from * ckk * p;
                } else {
                    for (int s = 0; s < cnt; s++) {
                        if (g.pointwise()) {
                            for (int k = 0; k < ckk; k++) {
                                System.arraycopy(x, (from + s) * xs + k * p, col, k * ld + s * p, p);
                            }
                        } else {
                            Im2col.im2col(x, (from + s) * xs, g, col, s * p, ld);
                        }
                    }
                }
                Sgemm.sgemm(false, true, o, ckk, ld, 1f, dyc, dyOff, ld, cols, colsOff, ld, 0f, partial, c * o * ckk, ckk);
            }
            if (gemmX) {
                // dcol = W^T dY, in the scratch column buffer (never in the kept columns)
                Sgemm.sgemm(true, false, ckk, ld, o, 1f, w, 0, ckk, dyc, dyOff, ld, 0f, col, 0, ld);
                for (int s = 0; s < cnt; s++) {
                    if (g.pointwise()) {
                        for (int k = 0; k < ckk; k++) {
                            System.arraycopy(col, k * ld + s * p, dx, (from + s) * xs + k * p, p);
                        }
                    } else {
                        Im2col.col2im(col, s * p, ld, g, dx, (from + s) * xs);
                    }
                }
            }
        });
        if (dw != null && !channelsLastW) {
            int m = o * ckk;
            if (addW) {
                FloatKernels.binary(FloatKernels.ADD, dw, 0, partial, 0, dw, 0, m);
            } else {
                System.arraycopy(partial, 0, dw, 0, m);
            }
            for (int c = 1; c < chunks; c++) {
                FloatKernels.binary(FloatKernels.ADD, dw, 0, partial, c * m, dw, 0, m);
            }
        }
        if (db != null) {
            for (int k = 0; k < o; k++) {
                float acc = 0f;
                for (int s = 0; s < n; s++) {
                    acc += planeSums[s * o + k];
                }
                db[k] = addB ? db[k] + acc : acc;
            }
        }
    }
}

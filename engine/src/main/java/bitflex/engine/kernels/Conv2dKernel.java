package bitflex.engine.kernels;

import bitflex.engine.gemm.Sgemm;
import bitflex.engine.parallel.Parallel;

/**
 * 2-D convolution (NCHW, weights [O, C, KH, KW]) as im2col plus GEMM, forward and both gradients.
 *
 * <p>Why im2col + GEMM: {@link Sgemm} is the fastest kernel the engine has (packed, register-tiled,
 * vectorised); lowering the convolution to it costs one copy of the input patches, which is small next
 * to the GEMM for the kernel sizes and channel counts of LeNet-5 and ResNet-20.
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
 * number of threads. The column matrix is recomputed in backward rather than kept from forward, so a
 * convolution saves only its input for backward. Column buffers are per-thread scratch whose contents
 * never affect results.
 */
public final class Conv2dKernel {
    private Conv2dKernel() {}

    /** Output positions one chunk's GEMM should cover. */
    static final int TARGET_COLUMNS = 1024;
    /** Chunks to keep at least (when the batch allows) for parallelism. */
    static final int MIN_CHUNKS = 4;

    private static final int COL = 0;
    private static final int GEMM_OUT = 1;
    private static final int PARTIAL = 2;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

    private static float[] scratch(int which, int n) {
        float[][] s = SCRATCH.get();
        if (s[which].length < n) {
            s[which] = new float[n];
        }
        return s[which];
    }

    /** Samples per chunk: a function of the batch size and layer shape only. */
    static int samplesPerChunk(int n, ConvGeometry g) {
        int byColumns = Math.max(1, (TARGET_COLUMNS + g.positions() - 1) / Math.max(1, g.positions()));
        int byParallelism = Math.max(1, (n + MIN_CHUNKS - 1) / MIN_CHUNKS);
        return Math.max(1, Math.min(byColumns, byParallelism));
    }

    /** y[N, O, OH, OW] = conv(x[N, C, H, W], w[O, C, KH, KW]) + b[O] (b may be null). */
    public static void forward(float[] x, int n, ConvGeometry g, float[] w, int o, float[] b, float[] y) {
        int ckk = g.patch();
        int p = g.positions();
        int xs = g.c() * g.h() * g.w();
        int per = samplesPerChunk(n, g);
        int chunks = (n + per - 1) / per;
        Parallel.forEach(chunks, c -> {
            int from = c * per;
            int cnt = Math.min(n, from + per) - from;
            int ld = cnt * p;
            float[] col = scratch(COL, ckk * ld);
            for (int s = 0; s < cnt; s++) {
                if (g.pointwise()) {
                    for (int k = 0; k < ckk; k++) {
                        System.arraycopy(x, (from + s) * xs + k * p, col, k * ld + s * p, p);
                    }
                } else {
                    Im2col.im2col(x, (from + s) * xs, g, col, s * p, ld);
                }
            }
            float[] out = cnt == 1 ? y : scratch(GEMM_OUT, o * ld);
            int outOff = cnt == 1 ? from * o * p : 0;
            Sgemm.sgemm(false, false, o, ld, ckk, 1f, w, 0, ckk, col, 0, ld, 0f, out, outOff, ld);
            for (int s = 0; s < cnt; s++) {
                for (int k = 0; k < o; k++) {
                    int dst = ((from + s) * o + k) * p;
                    if (cnt != 1) {
                        System.arraycopy(out, k * ld + s * p, y, dst, p);
                    }
                    if (b != null) {
                        FloatKernels.binaryScalar(FloatKernels.ADD, y, dst, b[k], false, y, dst, p);
                    }
                }
            }
        });
    }

    /**
     * Gradients from dy[N, O, OH, OW]: dx (may be null: not wanted) overwritten with d/dx; dw
     * (may be null) overwritten with d/dw; db (may be null) overwritten with d/db.
     */
    public static void backward(float[] x, int n, ConvGeometry g, float[] w, int o, float[] dy,
                                float[] dx, float[] dw, float[] db) {
        int ckk = g.patch();
        int p = g.positions();
        int xs = g.c() * g.h() * g.w();
        int per = samplesPerChunk(n, g);
        int chunks = Math.max(1, (n + per - 1) / per);
        // The calling thread's PARTIAL slot is used only here; tasks use COL and GEMM_OUT.
        float[] partial = dw == null ? null : scratch(PARTIAL, chunks * o * ckk);
        if (dw != null && n == 0) {
            java.util.Arrays.fill(partial, 0, o * ckk, 0f);
        }
        Parallel.forEach(n == 0 ? 0 : chunks, c -> {
            int from = c * per;
            int cnt = Math.min(n, from + per) - from;
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
            if (dw != null) {
                for (int s = 0; s < cnt; s++) {
                    if (g.pointwise()) {
                        for (int k = 0; k < ckk; k++) {
                            System.arraycopy(x, (from + s) * xs + k * p, col, k * ld + s * p, p);
                        }
                    } else {
                        Im2col.im2col(x, (from + s) * xs, g, col, s * p, ld);
                    }
                }
                Sgemm.sgemm(false, true, o, ckk, ld, 1f, dyc, dyOff, ld, col, 0, ld, 0f, partial, c * o * ckk, ckk);
            }
            if (dx != null) {
                // dcol = W^T dY, reusing the column buffer
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
        if (dw != null) {
            int m = o * ckk;
            System.arraycopy(partial, 0, dw, 0, m);
            for (int c = 1; c < chunks; c++) {
                FloatKernels.binary(FloatKernels.ADD, dw, 0, partial, c * m, dw, 0, m);
            }
        }
        if (db != null) {
            for (int k = 0; k < o; k++) {
                float acc = 0f;
                for (int s = 0; s < n; s++) {
                    acc += FloatKernels.sum(dy, (s * o + k) * p, p);
                }
                db[k] = acc;
            }
        }
    }
}

package bitflex.engine.kernels;

import bitflex.engine.gemm.Sgemm;
import bitflex.engine.parallel.Parallel;

/**
 * 2-D convolution (NCHW, weights [O, C, KH, KW]) as im2col plus GEMM, forward and both gradients.
 *
 * <p>Why im2col + GEMM: {@link Sgemm} is the fastest kernel the engine has (packed, register-tiled,
 * vectorised); lowering the convolution to it costs one copy of the input patches, which is small next
 * to the GEMM for the kernel sizes and channel counts of LeNet-5 and ResNet-20. The batch is split into
 * per-sample work (forward: one GEMM [O, CKK] x [CKK, P] per sample; input gradient: one GEMM
 * [CKK, O] x [O, P] and a col2im per sample), spread over the shared executor; the GEMM runs inline in
 * each task. The weight gradient sums over samples, so samples are grouped into a fixed number of
 * chunks that depends only on N, each chunk accumulates its own partial product in sample order, and
 * the partials are added in chunk order: results are bit-identical for any thread count. The column
 * matrix is recomputed in backward rather than kept from forward, so a convolution saves only its
 * input for backward. Column buffers are per-thread scratch (their contents never affect results).
 */
public final class Conv2dKernel {
    private Conv2dKernel() {}

    /** Fixed number of sample chunks for the weight-gradient reduction (fewer when N is smaller). */
    static final int WEIGHT_GRAD_CHUNKS = 8;

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private static float[] scratch(int which, int n) {
        float[][] s = SCRATCH.get();
        if (s[which].length < n) {
            s[which] = new float[n];
        }
        return s[which];
    }

    /** y[N, O, OH, OW] = conv(x[N, C, H, W], w[O, C, KH, KW]) + b[O] (b may be null). */
    public static void forward(float[] x, int n, ConvGeometry g, float[] w, int o, float[] b, float[] y) {
        int ckk = g.patch();
        int p = g.positions();
        int xs = g.c() * g.h() * g.w();
        Parallel.forRange(n, 1, (from, to) -> {
            for (int s = from; s < to; s++) {
                float[] col;
                int colOff;
                if (g.pointwise()) {
                    col = x;
                    colOff = s * xs;
                } else {
                    col = scratch(0, ckk * p);
                    colOff = 0;
                    Im2col.im2col(x, s * xs, g, col, 0);
                }
                int yOff = s * o * p;
                Sgemm.sgemm(false, false, o, p, ckk, 1f, w, 0, ckk, col, colOff, p, 0f, y, yOff, p);
                if (b != null) {
                    for (int k = 0; k < o; k++) {
                        FloatKernels.binaryScalar(FloatKernels.ADD, y, yOff + k * p, b[k], false, y, yOff + k * p, p);
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
        int chunks = Math.min(WEIGHT_GRAD_CHUNKS, Math.max(1, n));
        int per = (n + chunks - 1) / chunks;
        float[] partial = dw == null ? null : new float[chunks * o * ckk];
        Parallel.forEach(chunks, c -> {
            int from = c * per;
            int to = Math.min(n, from + per);
            for (int s = from; s < to; s++) {
                int dyOff = s * o * p;
                if (dw != null) {
                    float[] col;
                    int colOff;
                    if (g.pointwise()) {
                        col = x;
                        colOff = s * xs;
                    } else {
                        col = scratch(0, ckk * p);
                        colOff = 0;
                        Im2col.im2col(x, s * xs, g, col, 0);
                    }
                    // partial[c] (+)= dy_s [O, P] x col_s^T [P, CKK]
                    Sgemm.sgemm(false, true, o, ckk, p, 1f, dy, dyOff, p, col, colOff, p,
                            s == from ? 0f : 1f, partial, c * o * ckk, ckk);
                }
                if (dx != null) {
                    if (g.pointwise()) {
                        Sgemm.sgemm(true, false, ckk, p, o, 1f, w, 0, ckk, dy, dyOff, p, 0f, dx, s * xs, p);
                    } else {
                        float[] dcol = scratch(1, ckk * p);
                        Sgemm.sgemm(true, false, ckk, p, o, 1f, w, 0, ckk, dy, dyOff, p, 0f, dcol, 0, p);
                        Im2col.col2im(dcol, 0, g, dx, s * xs);
                    }
                }
            }
        });
        if (dw != null) {
            int m = o * ckk;
            System.arraycopy(partial, 0, dw, 0, m);
            for (int c = 1; c < chunks; c++) {
                if (c * per < n) {
                    FloatKernels.binary(FloatKernels.ADD, dw, 0, partial, c * m, dw, 0, m);
                }
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

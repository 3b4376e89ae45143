package bitflex.engine.gemm;

import bitflex.engine.simd.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = alpha * A * B^T + beta * C} for A stored m x k and B stored n x k (both rows contiguous
 * in k), as m*n dot products: no packing at all.
 *
 * <p>Why: a convolution's weight gradient {@code dY [O, L] * cols^T} has a tiny C (6 x 25, 16 x 150)
 * and a long k (1000+). The packed path of {@link Sgemm} must scatter all of B (n*k values) into
 * NR-wide panels for a handful of output tiles, and a 6-row A wastes a quarter of an 8-row register
 * tile; both rows are already contiguous along k, which is exactly what a dot product wants.
 *
 * <p>Summation order (the same for every element, wherever its block lies, so results are
 * bit-identical for any blocking or thread count): lane {@code l} of a vector accumulator sums, with
 * one FMA per term in order, the terms {@code k = v*VL + l} over the whole vectors {@code v}; the
 * lanes are then added in lane order 0..VL-1 starting from 0; the {@code k % VL} tail terms follow
 * one FMA each in order; finally {@code alpha * sum (+ beta * c)}. Lanes are summed through an array,
 * not {@code reduceLanes}, whose order is unspecified. Twin: {@link SgemmDotScalar}, bit-exact.
 */
final class SgemmDot {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final int VL = F.length();
    /** Rows of A and of B per register block: 16 accumulators. */
    static final int RB = 4;
    /**
     * Whether the 4 x 4 block runs: with 16 vector registers (AVX2) its 16 accumulators would spill
     * to the stack on every step, so rows go in pairs (2 x 4 blocks, 8 accumulators) instead.
     */
    private static final boolean FOUR_ROWS = Simd.REGISTERS >= 32;

    private SgemmDot() {}

    /**
     * Whether the dot form beats packing: B transposed, A not, and k long next to the output's sides
     * (then C is small and each dot product amortises its lane sum over many FMAs).
     */
    static boolean suits(boolean transA, boolean transB, int m, int n, int k) {
        return transB && !transA && k >= 4L * Math.max(m, n) && k >= 2 * VL;
    }

    /** Rows {@code [i0, i1)} of C, all n columns. */
    static void rows(int i0, int i1, int n, int k, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        float[] lanes = new float[VL];
        int kv = k - k % VL;
        int i = i0;
        for (; FOUR_ROWS && i + RB <= i1; i += RB) {
            int j = 0;
            for (; j + RB <= n; j += RB) {
                block4x4(i, j, k, kv, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, lanes);
            }
            for (; j < n; j++) {
                block4x1(i, j, k, kv, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, lanes);
            }
        }
        // Leftover rows (a 6-channel layer leaves two), or all rows with 16 registers, in pairs, so
        // B's rows are still shared.
        for (; i + 2 <= i1; i += 2) {
            int j = 0;
            for (; j + RB <= n; j += RB) {
                block2x4(i, j, k, kv, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, lanes);
            }
            for (; j < n; j++) {
                one(i, j, k, kv, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, lanes);
                one(i + 1, j, k, kv, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, lanes);
            }
        }
        for (; i < i1; i++) {
            for (int j = 0; j < n; j++) {
                one(i, j, k, kv, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, lanes);
            }
        }
    }

    private static void block2x4(int i, int j, int k, int kv, float alpha, float[] a, int aOff, int lda,
                                 float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc,
                                 float[] lanes) {
        int a0 = aOff + i * lda, a1 = a0 + lda;
        int b0 = bOff + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
        FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
        for (int p = 0; p < kv; p += VL) {
            FloatVector y0 = FloatVector.fromArray(F, b, b0 + p);
            FloatVector y1 = FloatVector.fromArray(F, b, b1 + p);
            FloatVector y2 = FloatVector.fromArray(F, b, b2 + p);
            FloatVector y3 = FloatVector.fromArray(F, b, b3 + p);
            FloatVector x = FloatVector.fromArray(F, a, a0 + p);
            c00 = x.fma(y0, c00); c01 = x.fma(y1, c01); c02 = x.fma(y2, c02); c03 = x.fma(y3, c03);
            x = FloatVector.fromArray(F, a, a1 + p);
            c10 = x.fma(y0, c10); c11 = x.fma(y1, c11); c12 = x.fma(y2, c12); c13 = x.fma(y3, c13);
        }
        int cr = cOff + i * ldc + j;
        finish(c00, a0, b0, k, kv, alpha, a, b, beta, c, cr, lanes);
        finish(c01, a0, b1, k, kv, alpha, a, b, beta, c, cr + 1, lanes);
        finish(c02, a0, b2, k, kv, alpha, a, b, beta, c, cr + 2, lanes);
        finish(c03, a0, b3, k, kv, alpha, a, b, beta, c, cr + 3, lanes);
        cr += ldc;
        finish(c10, a1, b0, k, kv, alpha, a, b, beta, c, cr, lanes);
        finish(c11, a1, b1, k, kv, alpha, a, b, beta, c, cr + 1, lanes);
        finish(c12, a1, b2, k, kv, alpha, a, b, beta, c, cr + 2, lanes);
        finish(c13, a1, b3, k, kv, alpha, a, b, beta, c, cr + 3, lanes);
    }

    private static void block4x1(int i, int j, int k, int kv, float alpha, float[] a, int aOff, int lda,
                                 float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc,
                                 float[] lanes) {
        int a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        int b0 = bOff + j * ldb;
        FloatVector z = FloatVector.zero(F);
        FloatVector c0 = z, c1 = z, c2 = z, c3 = z;
        for (int p = 0; p < kv; p += VL) {
            FloatVector y = FloatVector.fromArray(F, b, b0 + p);
            c0 = FloatVector.fromArray(F, a, a0 + p).fma(y, c0);
            c1 = FloatVector.fromArray(F, a, a1 + p).fma(y, c1);
            c2 = FloatVector.fromArray(F, a, a2 + p).fma(y, c2);
            c3 = FloatVector.fromArray(F, a, a3 + p).fma(y, c3);
        }
        int cr = cOff + i * ldc + j;
        finish(c0, a0, b0, k, kv, alpha, a, b, beta, c, cr, lanes);
        finish(c1, a1, b0, k, kv, alpha, a, b, beta, c, cr + ldc, lanes);
        finish(c2, a2, b0, k, kv, alpha, a, b, beta, c, cr + 2 * ldc, lanes);
        finish(c3, a3, b0, k, kv, alpha, a, b, beta, c, cr + 3 * ldc, lanes);
    }

    private static void block4x4(int i, int j, int k, int kv, float alpha, float[] a, int aOff, int lda,
                                 float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc,
                                 float[] lanes) {
        int a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        int b0 = bOff + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z, c02 = z, c03 = z;
        FloatVector c10 = z, c11 = z, c12 = z, c13 = z;
        FloatVector c20 = z, c21 = z, c22 = z, c23 = z;
        FloatVector c30 = z, c31 = z, c32 = z, c33 = z;
        for (int p = 0; p < kv; p += VL) {
            FloatVector y0 = FloatVector.fromArray(F, b, b0 + p);
            FloatVector y1 = FloatVector.fromArray(F, b, b1 + p);
            FloatVector y2 = FloatVector.fromArray(F, b, b2 + p);
            FloatVector y3 = FloatVector.fromArray(F, b, b3 + p);
            FloatVector x = FloatVector.fromArray(F, a, a0 + p);
            c00 = x.fma(y0, c00); c01 = x.fma(y1, c01); c02 = x.fma(y2, c02); c03 = x.fma(y3, c03);
            x = FloatVector.fromArray(F, a, a1 + p);
            c10 = x.fma(y0, c10); c11 = x.fma(y1, c11); c12 = x.fma(y2, c12); c13 = x.fma(y3, c13);
            x = FloatVector.fromArray(F, a, a2 + p);
            c20 = x.fma(y0, c20); c21 = x.fma(y1, c21); c22 = x.fma(y2, c22); c23 = x.fma(y3, c23);
            x = FloatVector.fromArray(F, a, a3 + p);
            c30 = x.fma(y0, c30); c31 = x.fma(y1, c31); c32 = x.fma(y2, c32); c33 = x.fma(y3, c33);
        }
        int cr = cOff + i * ldc + j;
        finish(c00, a0, b0, k, kv, alpha, a, b, beta, c, cr, lanes);
        finish(c01, a0, b1, k, kv, alpha, a, b, beta, c, cr + 1, lanes);
        finish(c02, a0, b2, k, kv, alpha, a, b, beta, c, cr + 2, lanes);
        finish(c03, a0, b3, k, kv, alpha, a, b, beta, c, cr + 3, lanes);
        cr += ldc;
        finish(c10, a1, b0, k, kv, alpha, a, b, beta, c, cr, lanes);
        finish(c11, a1, b1, k, kv, alpha, a, b, beta, c, cr + 1, lanes);
        finish(c12, a1, b2, k, kv, alpha, a, b, beta, c, cr + 2, lanes);
        finish(c13, a1, b3, k, kv, alpha, a, b, beta, c, cr + 3, lanes);
        cr += ldc;
        finish(c20, a2, b0, k, kv, alpha, a, b, beta, c, cr, lanes);
        finish(c21, a2, b1, k, kv, alpha, a, b, beta, c, cr + 1, lanes);
        finish(c22, a2, b2, k, kv, alpha, a, b, beta, c, cr + 2, lanes);
        finish(c23, a2, b3, k, kv, alpha, a, b, beta, c, cr + 3, lanes);
        cr += ldc;
        finish(c30, a3, b0, k, kv, alpha, a, b, beta, c, cr, lanes);
        finish(c31, a3, b1, k, kv, alpha, a, b, beta, c, cr + 1, lanes);
        finish(c32, a3, b2, k, kv, alpha, a, b, beta, c, cr + 2, lanes);
        finish(c33, a3, b3, k, kv, alpha, a, b, beta, c, cr + 3, lanes);
    }

    private static void one(int i, int j, int k, int kv, float alpha, float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc,
                            float[] lanes) {
        int ai = aOff + i * lda;
        int bj = bOff + j * ldb;
        FloatVector acc = FloatVector.zero(F);
        for (int p = 0; p < kv; p += VL) {
            acc = FloatVector.fromArray(F, a, ai + p).fma(FloatVector.fromArray(F, b, bj + p), acc);
        }
        finish(acc, ai, bj, k, kv, alpha, a, b, beta, c, cOff + i * ldc + j, lanes);
    }

    /** Lane sum in order, the scalar tail, then alpha and beta: see the class comment. */
    private static void finish(FloatVector acc, int ai, int bj, int k, int kv, float alpha, float[] a,
                               float[] b, float beta, float[] c, int ci, float[] lanes) {
        acc.intoArray(lanes, 0);
        float s = 0f;
        for (int l = 0; l < VL; l++) {
            s += lanes[l];
        }
        for (int p = kv; p < k; p++) {
            s = Math.fma(a[ai + p], b[bj + p], s);
        }
        c[ci] = beta == 0f ? alpha * s : Math.fma(alpha, s, beta * c[ci]);
    }
}

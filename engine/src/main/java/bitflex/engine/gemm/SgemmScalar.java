package bitflex.engine.gemm;

/**
 * The scalar twin of {@link Sgemm}: the same contract (row-major, BLAS semantics, the same argument
 * checks) computed with plain loops, one thread, no packing. It is the reference the SIMD version is
 * tested against and the fall-back to read when in doubt about what {@code Sgemm} should do.
 */
public final class SgemmScalar {
    private SgemmScalar() {}

    /** {@code C = alpha * op(A) * op(B) + beta * C}, exactly as {@link Sgemm#sgemm} specifies. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float alpha, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        SgemmArgs.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            SgemmArgs.scale(m, n, beta, c, cOff, ldc);
            return;
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * s : alpha * s + beta * c[ci];
            }
        }
    }
}

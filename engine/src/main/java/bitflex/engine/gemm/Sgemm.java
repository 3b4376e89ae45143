package bitflex.engine.gemm;

/**
 * Single-precision matrix multiply, row-major, BLAS semantics:
 * {@code C = alpha * op(A) * op(B) + beta * C}, with {@code op(A)} of shape m x k and
 * {@code op(B)} of shape k x n. Without transposition A is m x k with row stride {@code lda >= k};
 * transposed, A is stored k x m with {@code lda >= m} (likewise for B). When {@code beta == 0}, C is
 * overwritten (NaNs already in C do not propagate), as in BLAS.
 *
 * <p>This first version is a plain loop nest; the packed, register-tiled, multithreaded kernel
 * replaces its body without changing the signature.
 */
public final class Sgemm {
    private Sgemm() {}

    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float alpha, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
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

package bitflex.engine.gemm;

/**
 * Scalar twin of {@link SgemmDot}: the same dot products with the same summation order for a given
 * vector width {@code vl} (lane-wise FMA chains, lanes added in order, then the tail), so the two
 * agree bit for bit.
 */
final class SgemmDotScalar {
    private SgemmDotScalar() {}

    /** Rows {@code [i0, i1)} of {@code C = alpha * A * B^T + beta * C}, all n columns. */
    static void rows(int vl, int i0, int i1, int n, int k, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        int kv = k - k % vl;
        float[] lanes = new float[vl];
        for (int i = i0; i < i1; i++) {
            for (int j = 0; j < n; j++) {
                int ai = aOff + i * lda;
                int bj = bOff + j * ldb;
                java.util.Arrays.fill(lanes, 0f);
                for (int p = 0; p < kv; p += vl) {
                    for (int l = 0; l < vl; l++) {
                        lanes[l] = Math.fma(a[ai + p + l], b[bj + p + l], lanes[l]);
                    }
                }
                float s = 0f;
                for (int l = 0; l < vl; l++) {
                    s += lanes[l];
                }
                for (int p = kv; p < k; p++) {
                    s = Math.fma(a[ai + p], b[bj + p], s);
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * s : Math.fma(alpha, s, beta * c[ci]);
            }
        }
    }
}

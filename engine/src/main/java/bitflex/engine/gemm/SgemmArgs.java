package bitflex.engine.gemm;

/** Argument checks and the trivial cases shared by {@link Sgemm} and {@link SgemmScalar}. */
final class SgemmArgs {
    private SgemmArgs() {}

    static void check(boolean transA, boolean transB, int m, int n, int k,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sgemm: sizes must be >= 0, got m=" + m + ", n=" + n + ", k=" + k);
        }
        // Stored shapes: A is m x k (k x m when transposed), B is k x n (n x k), C is m x n.
        matrix("a", transA ? k : m, transA ? m : k, a, aOff, lda, transA ? "m" : "k");
        matrix("b", transB ? n : k, transB ? k : n, b, bOff, ldb, transB ? "k" : "n");
        matrix("c", m, n, c, cOff, ldc, "n");
    }

    private static void matrix(String name, int rows, int cols, float[] x, int off, int ld, String colsName) {
        String ldName = "ld" + name;
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("sgemm: " + ldName + " must be >= max(1, " + colsName + ") = "
                    + Math.max(1, cols) + ", got " + ld);
        }
        if (off < 0) {
            throw new IllegalArgumentException("sgemm: " + name + "Off must be >= 0, got " + off);
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        if (x == null) {
            throw new IllegalArgumentException("sgemm: array " + name + " is null but " + rows + " x " + cols
                    + " elements are needed");
        }
        long needed = off + (long) (rows - 1) * ld + cols;
        if (needed > x.length) {
            throw new IllegalArgumentException("sgemm: array " + name + " is too small for " + rows + " x " + cols
                    + " with " + name + "Off=" + off + ", " + ldName + "=" + ld + ": needs " + needed
                    + " elements, has " + x.length);
        }
    }

    /** {@code C = beta * C} over m x n, with {@code beta == 0} writing zeros (NaNs do not survive). */
    static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, row, row + n, 0f);
            } else if (beta != 1f) {
                for (int j = 0; j < n; j++) {
                    c[row + j] *= beta;
                }
            }
        }
    }
}

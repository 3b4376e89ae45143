package bitflex.engine.gemm;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;

/**
 * One random GEMM problem (shapes, transposes, offsets, padded leading dimensions, alpha, beta,
 * starting C) with its double-precision reference and the error bound a float32 result must meet.
 *
 * <p>The bound: each output is {@code alpha * sum_p a_ip b_pj + beta * c_ij}. A float sum of k
 * products, formed with one rounding per term (fused or not), is within {@code k * u} relative to
 * {@code sum |a_ip b_pj|} of the exact sum (u = 2^-24, first order; Higham, "Accuracy and Stability",
 * 3.1). Scaling by alpha and adding beta * c costs up to three more roundings. So the error is at
 * most {@code (k + 3) * u * (|alpha| sum|a||b| + |beta| |c|)}; the tests allow twice that,
 * {@code (k + 3) * 2^-23 * ...}, which covers the second-order terms with room to spare, plus a tiny
 * absolute term for results that are exactly zero. A wrong index, a missing term or a dropped block
 * changes a result by about one whole product, far above this bound.
 */
final class GemmCase {
    final boolean transA;
    final boolean transB;
    final int m;
    final int n;
    final int k;
    final float alpha;
    final float beta;
    final float[] a;
    final int aOff;
    final int lda;
    final float[] b;
    final int bOff;
    final int ldb;
    final float[] c0;
    final int cOff;
    final int ldc;

    GemmCase(int m, int n, int k, boolean transA, boolean transB, long seed) {
        this(m, n, k, transA, transB, seed, null, null);
    }

    /** A case with the given alpha and beta; the seed still picks the data, offsets and strides. */
    GemmCase(int m, int n, int k, boolean transA, boolean transB, long seed, float alpha, float beta) {
        this(m, n, k, transA, transB, seed, (Float) alpha, (Float) beta);
    }

    private GemmCase(int m, int n, int k, boolean transA, boolean transB, long seed, Float fixedAlpha,
                     Float fixedBeta) {
        Random r = new Random(seed);
        this.m = m;
        this.n = n;
        this.k = k;
        this.transA = transA;
        this.transB = transB;
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        lda = Math.max(1, aCols) + pad(r);
        ldb = Math.max(1, bCols) + pad(r);
        ldc = Math.max(1, n) + pad(r);
        aOff = r.nextInt(5);
        bOff = r.nextInt(5);
        cOff = r.nextInt(5);
        a = filled(r, aOff + aRows * lda + r.nextInt(3));
        b = filled(r, bOff + bRows * ldb + r.nextInt(3));
        c0 = filled(r, cOff + m * ldc + r.nextInt(3));
        float[] alphas = {1f, -1f, 0.5f, 1.7f, 0f};
        float[] betas = {0f, 0f, 1f, -0.75f, 2f};
        float drawnAlpha = alphas[r.nextInt(alphas.length)];
        float drawnBeta = betas[r.nextInt(betas.length)];
        alpha = fixedAlpha != null ? fixedAlpha : drawnAlpha;
        beta = fixedBeta != null ? fixedBeta : drawnBeta;
        if (beta == 0f && r.nextBoolean()) {
            Arrays.fill(c0, Float.NaN); // beta == 0 must overwrite C, not multiply NaN by zero
        }
    }

    /** A case whose transposes are taken from the seed too (QuickTheories offers four sources at most). */
    static GemmCase random(int m, int n, int k, long seed) {
        return new GemmCase(m, n, k, (seed & 1) != 0, (seed & 2) != 0, seed);
    }

    /** Mostly tight leading dimensions, sometimes padded. */
    private static int pad(Random r) {
        return r.nextInt(3) == 0 ? r.nextInt(9) : 0;
    }

    private static float[] filled(Random r, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (r.nextGaussian());
        }
        return x;
    }

    float a(int i, int p) {
        return transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
    }

    float b(int p, int j) {
        return transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
    }

    /** A fresh copy of the starting C. */
    float[] c() {
        return c0.clone();
    }

    float[] runSimd() {
        float[] c = c();
        Sgemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        return c;
    }

    float[] runScalar() {
        float[] c = c();
        SgemmScalar.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        return c;
    }

    /** Fails if {@code got} is off the double reference by more than the bound, or touched other elements. */
    void check(String what, float[] got) {
        for (int idx = 0; idx < got.length; idx++) {
            int rel = idx - cOff;
            boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
            if (!inside) {
                if (Float.floatToRawIntBits(got[idx]) != Float.floatToRawIntBits(c0[idx])) {
                    fail(what + ": element " + idx + " outside C was written, " + this);
                }
            }
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double exact = 0;
                double mag = 0;
                if (alpha != 0f) {
                    for (int p = 0; p < k; p++) {
                        double t = (double) a(i, p) * b(p, j);
                        exact += t;
                        mag += Math.abs(t);
                    }
                }
                int ci = cOff + i * ldc + j;
                double cOld = beta == 0f ? 0 : c0[ci];
                double want = alpha * exact + beta * cOld;
                double bound = (k + 3) * 0x1p-23 * (Math.abs(alpha) * mag + Math.abs(beta * cOld)) + 0x1p-100;
                double err = Math.abs(got[ci] - want);
                if (!(err <= bound)) {
                    fail(what + ": C[" + i + "][" + j + "] = " + got[ci] + ", reference " + want + ", error "
                            + err + " > bound " + bound + " for " + this);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "m=" + m + " n=" + n + " k=" + k + " transA=" + transA + " transB=" + transB + " alpha=" + alpha
                + " beta=" + beta + " aOff=" + aOff + " lda=" + lda + " bOff=" + bOff + " ldb=" + ldb
                + " cOff=" + cOff + " ldc=" + ldc;
    }
}

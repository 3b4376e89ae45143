package bitflex.engine.tensor;

import bitflex.engine.gemm.Sgemm;
import bitflex.engine.parallel.Parallel;
import java.util.Arrays;

/**
 * Matrix products on {@link Sgemm}. A 2-D operand that is a transposed or column-narrowed view of
 * dense storage is passed to GEMM as is (transpose flag, leading dimension, offset) instead of being
 * copied.
 */
final class MatMul {
    private MatMul() {}

    /** How a 2-D tensor is handed to GEMM. */
    record Operand(float[] data, int off, int ld, boolean trans) {
        static Operand of(Tensor t) {
            t.checkAlive();
            int r = t.shape[0];
            int c = t.shape[1];
            if (r > 1 && c > 1) {
                if (t.strides[1] == 1 && t.strides[0] >= c) {
                    return new Operand(t.data, t.offset, t.strides[0], false);
                }
                if (t.strides[0] == 1 && t.strides[1] >= r) {
                    return new Operand(t.data, t.offset, t.strides[1], true);
                }
            }
            return new Operand(t.denseData(), 0, Math.max(1, c), false);
        }
    }

    /** C[m, n] = op(A) op(B) into a dense array, with A given as [m, k] and B as [k, n] logically. */
    static void gemm(Operand a, Operand b, int m, int n, int k, float beta, float[] c, int cOff) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (beta == 0f) {
                Arrays.fill(c, cOff, cOff + m * n, 0f);
            }
            return;
        }
        Sgemm.sgemm(a.trans, b.trans, m, n, k, 1f, a.data, a.off, a.ld, b.data, b.off, b.ld, beta, c, cOff, n);
    }

    static Tensor mm(Tensor a, Tensor b) {
        int m = a.shape[0];
        int k = a.shape[1];
        int n = b.shape[1];
        Tensor out = Tensor.empty(m, n);
        gemm(Operand.of(a), Operand.of(b), m, n, k, 0f, out.data, 0);
        return out;
    }

    static Tensor bmm(Tensor a, Tensor b) {
        int batch = a.shape[0];
        int m = a.shape[1];
        int k = a.shape[2];
        int n = b.shape[2];
        float[] ad = a.denseData();
        float[] bd = b.denseData();
        Tensor out = Tensor.empty(batch, m, n);
        float[] c = out.data;
        Parallel.forEach(batch, i -> gemm(new Operand(ad, i * m * k, Math.max(1, k), false),
                new Operand(bd, i * k * n, Math.max(1, n), false), m, n, k, 0f, c, i * m * n));
        return out;
    }
}

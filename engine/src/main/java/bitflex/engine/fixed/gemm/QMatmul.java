package bitflex.engine.fixed.gemm;

import bitflex.engine.fixed.ClampStats;
import bitflex.engine.fixed.QTensor;
import bitflex.engine.fixed.Quantizer;
import java.util.Arrays;

/**
 * Matrix multiply of quantized matrices: {@code op(A) * op(B)} with exact integer products, the
 * modelled accumulator, then requantization into {@code out}'s format. Both operands int8-sized
 * (signed WL <= 8) use the int8 kernel, otherwise both are widened to int16 (WL up to 16).
 * Per-channel fractional lengths are allowed along the rows of op(A) (A untransposed) and the
 * columns of op(B) (B transposed, i.e. a [out, in] weight), never along the reduction.
 */
public final class QMatmul {
    private QMatmul() {}

    public static QTensor matmul(QTensor a, boolean transA, QTensor b, boolean transB, Accumulator acc, Quantizer out) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException("matmul: operands must be matrices, got " + Arrays.toString(a.shape())
                    + " and " + Arrays.toString(b.shape()));
        }
        int m = transA ? a.dim(1) : a.dim(0);
        int k = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0);
        int n = transB ? b.dim(0) : b.dim(1);
        if (k != kb) {
            throw new IllegalArgumentException("matmul: inner dimensions differ, op(A) " + m + "x" + k
                    + " vs op(B) " + kb + "x" + n + " (shapes " + Arrays.toString(a.shape()) + ", "
                    + Arrays.toString(b.shape()) + ")");
        }
        if (a.isPerChannel() && transA) {
            throw new IllegalArgumentException("matmul: per-channel fracLengths of A lie along the reduction when A is transposed");
        }
        if (b.isPerChannel() && !transB) {
            throw new IllegalArgumentException("matmul: per-channel fracLengths of B lie along the reduction unless B is transposed");
        }
        IntOperands.require16("matmul", a, "A");
        IntOperands.require16("matmul", b, "B");
        int lda = a.dim(1);
        int ldb = b.dim(1);
        Object dst = out.format().storage().allocate(m * n);
        int accFl = a.format().fracLength() + b.format().fracLength();
        int[] rowFl = a.isPerChannel() ? delta(a.channelFracLengths(), a.format().fracLength()) : null;
        int[] colFl = b.isPerChannel() ? delta(b.channelFracLengths(), b.format().fracLength()) : null;
        boolean int8 = IntOperands.fitsInt8(a.format()) && IntOperands.fitsInt8(b.format());
        ClampStats stats;
        if (acc.exact()) {
            long[] c = new long[m * n];
            if (int8) {
                IntGemm.gemmExact(transA, transB, m, n, k, IntOperands.int8(a), 0, lda, IntOperands.int8(b), 0, ldb, c, 0, n);
            } else {
                IntGemm.gemmExact(transA, transB, m, n, k, IntOperands.int16(a), 0, lda, IntOperands.int16(b), 0, ldb, c, 0, n);
            }
            stats = Requantize.apply(c, m, n, accFl, rowFl, colFl, out, dst);
        } else {
            int[] c = new int[m * n];
            if (int8) {
                IntGemm.gemm(transA, transB, m, n, k, IntOperands.int8(a), 0, lda, IntOperands.int8(b), 0, ldb, c, 0, n, acc);
            } else {
                IntGemm.gemm(transA, transB, m, n, k, IntOperands.int16(a), 0, lda, IntOperands.int16(b), 0, ldb, c, 0, n, acc);
            }
            stats = Requantize.apply(c, m, n, accFl, rowFl, colFl, out, dst);
        }
        return QTensor.of(out.format(), dst, m, n).withClampStats(stats);
    }

    /** Per-channel fracLengths as offsets from the format's (so the base FL is added once). */
    static int[] delta(int[] fl, int base) {
        int[] d = new int[fl.length];
        for (int i = 0; i < fl.length; i++) {
            d[i] = fl[i] - base;
        }
        return d;
    }
}

package bitflex.engine.gemm;

import bitflex.engine.simd.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies blocks of op(A) and op(B) into the micro-panel layout {@link SgemmKernel} reads: contiguous,
 * in the order the kernel walks them, zero-padded to whole panels so edge tiles need no special
 * loads. Packing is where the four transpose combinations are absorbed; the kernel sees one layout.
 */
final class SgemmPacking {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final int MR = SgemmKernel.MR;
    private static final int NR = SgemmKernel.NR;
    private static final int VL = SgemmKernel.VL;

    private SgemmPacking() {}

    /**
     * Packs rows {@code [i0, i0+mc)} and columns {@code [p0, p0+kc)} of op(A) into {@code dst}: for
     * each group of {@code MR} rows, {@code kc} columns of {@code MR} values (rows past {@code mc}
     * are zero).
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc,
                      float[] dst) {
        int d = 0;
        for (int ir = 0; ir < mc; ir += MR) {
            int rows = Math.min(MR, mc - ir);
            if (transA) {
                // A is stored k x m: the MR values of one column of op(A) are adjacent.
                int src = aOff + p0 * lda + i0 + ir;
                for (int p = 0; p < kc; p++, src += lda, d += MR) {
                    System.arraycopy(a, src, dst, d, rows);
                    for (int i = rows; i < MR; i++) {
                        dst[d + i] = 0f;
                    }
                }
            } else if (rows == MR) {
                // A is stored m x k: each row is read in order and written with a stride of MR.
                for (int i = 0; i < MR; i++) {
                    int src = aOff + (i0 + ir + i) * lda + p0;
                    int dd = d + i;
                    for (int p = 0; p < kc; p++) {
                        dst[dd + p * MR] = a[src + p];
                    }
                }
                d += kc * MR;
            } else {
                int r0 = aOff + (i0 + ir) * lda + p0;
                for (int p = 0; p < kc; p++, d += MR) {
                    for (int i = 0; i < rows; i++) {
                        dst[d + i] = a[r0 + i * lda + p];
                    }
                    for (int i = rows; i < MR; i++) {
                        dst[d + i] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs rows {@code [p0, p0+kc)} and columns {@code [j0, j0+nc)} of op(B) into {@code dst}: for
     * each group of {@code NR} columns, {@code kc} rows of {@code NR} values (columns past {@code nc}
     * are zero).
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc,
                      float[] dst) {
        int d = 0;
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            if (!transB && cols == NR) {
                // B is stored k x n: each row of the panel is NR adjacent values.
                int src = bOff + p0 * ldb + j0 + jr;
                for (int p = 0; p < kc; p++, src += ldb, d += NR) {
                    for (int v = 0; v < NR; v += VL) {
                        FloatVector.fromArray(F, b, src + v).intoArray(dst, d + v);
                    }
                }
            } else if (!transB) {
                int src = bOff + p0 * ldb + j0 + jr;
                for (int p = 0; p < kc; p++, src += ldb, d += NR) {
                    System.arraycopy(b, src, dst, d, cols);
                    for (int j = cols; j < NR; j++) {
                        dst[d + j] = 0f;
                    }
                }
            } else {
                // B is stored n x k: column j of op(B) is a contiguous row. The panel is written in
                // order, one step p at a time, gathering from the panel's rows of B: their current
                // cache lines (NR of them) stay in L1 over the next steps, whereas writing the panel
                // down its columns touches a new line of a 64 KB panel with every store.
                int src = bOff + (j0 + jr) * ldb + p0;
                for (int p = 0; p < kc; p++, d += NR) {
                    int s = src + p;
                    for (int j = 0; j < cols; j++, s += ldb) {
                        dst[d + j] = b[s];
                    }
                    for (int j = cols; j < NR; j++) {
                        dst[d + j] = 0f;
                    }
                }
            }
        }
    }
}

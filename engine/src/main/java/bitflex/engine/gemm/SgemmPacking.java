package bitflex.engine.gemm;

import bitflex.engine.simd.BlockTranspose;
import bitflex.engine.simd.Simd;
import bitflex.engine.simd.TwoVectorShuffle;
import java.util.Arrays;
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

    // One round of the perfect shuffle: two rows of the next round interleave the low (ZIP_LO) or the
    // high (ZIP_HI) halves of rows i and i + rows/2 (indexes past VL pick from the second vector).
    private static final TwoVectorShuffle ZIP_LO = zip(0);
    private static final TwoVectorShuffle ZIP_HI = zip(VL / 2);

    /** Floats of {@code work} that {@link #interleave} uses, at its start. */
    private static final int SHUFFLE_WORK = 2 * VL * VL;
    /**
     * Floats of work space {@link #packA} and {@link #packB} need beside their panels: the shuffles'
     * and, after them, a zero-padded copy of a transposed B's last panel (NR rows of up to KC).
     */
    static final int PACK_WORK = SHUFFLE_WORK + NR * Sgemm.KC;

    private SgemmPacking() {}

    private static TwoVectorShuffle zip(int from) {
        int[] lanes = new int[VL];
        for (int i = 0; i < VL / 2; i++) {
            lanes[2 * i] = from + i;
            lanes[2 * i + 1] = VL + from + i;
        }
        return TwoVectorShuffle.of(F, lanes);
    }

    /**
     * Interleaves {@code rows} (a power of two from 2 to VL) vectors {@code src[s + i * ld ..]}:
     * {@code dst[d + t * lds + c * rows + i] = src[s + i * ld + t * (VL / rows) + c]} for
     * {@code i < rows}, {@code t < rows}, {@code c < VL / rows}. With {@code rows == VL} it is a
     * transpose. log2(rows) rounds of {@code rows} two-vector shuffles, the middle ones through
     * {@code work} (its first {@link #SHUFFLE_WORK} floats), in place of {@code rows * VL} scalar moves.
     * Data movement only: the packed values are the same bits.
     */
    private static void interleave(float[] src, int s, int ld, int rows, float[] dst, int d, int lds, float[] work) {
        int half = rows / 2;
        int rounds = Integer.numberOfTrailingZeros(rows);
        float[] from = src;
        int at = s;
        int stride = ld;
        for (int round = 0; round < rounds; round++) {
            boolean last = round == rounds - 1;
            float[] to = last ? dst : work;
            int out = last ? d : (round & 1) * rows * VL;
            int step = last ? lds : VL;
            for (int i = 0; i < half; i++) {
                FloatVector x = FloatVector.fromArray(F, from, at + i * stride);
                FloatVector y = FloatVector.fromArray(F, from, at + (i + half) * stride);
                ZIP_LO.apply(x, y).intoArray(to, out + 2 * i * step);
                ZIP_HI.apply(x, y).intoArray(to, out + (2 * i + 1) * step);
            }
            from = work;
            at = out;
            stride = VL;
        }
    }

    /**
     * Packs rows {@code [i0, i0+mc)} and columns {@code [p0, p0+kc)} of op(A) into {@code dst}: for
     * each group of {@code MR} rows, {@code kc} columns of {@code MR} values (rows past {@code mc}
     * are zero).
     *
     * <p>One call per panel, to methods of their own: with every loop in one method, a call ran
     * thousands of loop iterations, and while its compile waited in the C2 queue the running loops
     * asked for on-stack-replacement compiles of the whole method as well (packA and packB 3 compiles
     * each, 2 of them OSR, 700 ms of C2 time in a one-epoch LeNet-5 run on Zen 3). A panel is at
     * most {@code KC} steps, so its method is compiled whole after a few calls; full and edge panels
     * have methods of their own, so that no compiled panel meets a branch its profile never saw (an
     * uncommon trap and a recompile), and the launcher keeps C2 from inlining them into packA and
     * packB, which would compile them again there.
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc,
                      float[] dst, float[] work) {
        for (int ir = 0, d = 0; ir < mc; ir += MR, d += kc * MR) {
            int rows = Math.min(MR, mc - ir);
            if (transA && rows == MR) {
                panelAColumns(a, aOff + p0 * lda + i0 + ir, lda, kc, dst, d);
            } else if (transA) {
                panelAEdgeColumns(a, aOff + p0 * lda + i0 + ir, lda, kc, rows, dst, d);
            } else if (rows == MR) {
                panelARows(a, aOff + (i0 + ir) * lda + p0, lda, kc, dst, d, work);
            } else {
                panelAEdgeRows(a, aOff + (i0 + ir) * lda + p0, lda, kc, rows, dst, d);
            }
        }
    }

    /**
     * A full panel of a transposed A (stored k x m): the MR values of a column are adjacent. Element
     * by element, not System.arraycopy: that was a call to the copy stub for every MR floats. Zen 3,
     * one thread, paired in one JVM: the weight gradients of a 784-to-256 and a 256-to-128 layer over
     * a batch of 64 1.06x and 1.16x.
     */
    private static void panelAColumns(float[] a, int src, int lda, int kc, float[] dst, int d) {
        for (int p = 0; p < kc; p++, src += lda, d += MR) {
            for (int i = 0; i < MR; i++) {
                dst[d + i] = a[src + i];
            }
        }
    }

    /** The last panel of a transposed A, with {@code rows < MR} rows; the rest of it is zero. */
    private static void panelAEdgeColumns(float[] a, int src, int lda, int kc, int rows, float[] dst, int d) {
        for (int p = 0; p < kc; p++, src += lda, d += MR) {
            System.arraycopy(a, src, dst, d, rows);
            for (int i = rows; i < MR; i++) {
                dst[d + i] = 0f;
            }
        }
    }

    /**
     * A full panel of A stored m x k: VL steps of the MR rows at a time are interleaved in vectors,
     * the k tail (and MR > VL) element by element, each row read in order. The AVX2 tile's 4 x 8
     * blocks by block swaps, not interleave's shuffles and work space: a packing-bound 256x784x16
     * product 1.03x on Zen 3 (paired in one JVM, 39 of 50 faster).
     */
    private static void panelARows(float[] a, int src, int lda, int kc, float[] dst, int d, float[] work) {
        int p = 0;
        if (MR == 4 && BlockTranspose.SUPPORTED) {
            for (; p + VL <= kc; p += VL) {
                BlockTranspose.interleave4x8(a, src + p, lda, dst, d + p * MR);
            }
        } else if (MR <= VL) {
            for (; p + VL <= kc; p += VL) {
                interleave(a, src + p, lda, MR, dst, d + p * MR, VL, work);
            }
        }
        for (int i = 0; i < MR; i++) {
            for (int q = p; q < kc; q++) {
                dst[d + q * MR + i] = a[src + i * lda + q];
            }
        }
    }

    /** The last panel of A stored m x k, with {@code rows < MR} rows; the rest of it is zero. */
    private static void panelAEdgeRows(float[] a, int src, int lda, int kc, int rows, float[] dst, int d) {
        for (int p = 0; p < kc; p++, d += MR) {
            for (int i = 0; i < rows; i++) {
                dst[d + i] = a[src + i * lda + p];
            }
            for (int i = rows; i < MR; i++) {
                dst[d + i] = 0f;
            }
        }
    }

    /**
     * Packs rows {@code [p0, p0+kc)} and columns {@code [j0, j0+nc)} of op(B) into {@code dst}: for
     * each group of {@code NR} columns, {@code kc} rows of {@code NR} values (columns past {@code nc}
     * are zero). One call per panel, as in {@link #packA}.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc,
                      float[] dst, float[] work) {
        for (int jr = 0, d = 0; jr < nc; jr += NR, d += kc * NR) {
            int cols = Math.min(NR, nc - jr);
            if (!transB && cols == NR) {
                panelBRows(b, bOff + p0 * ldb + j0 + jr, ldb, kc, dst, d);
            } else if (!transB) {
                panelBEdgeRows(b, bOff + p0 * ldb + j0 + jr, ldb, kc, cols, dst, d);
            } else if (cols == NR) {
                panelBColumns(b, bOff + (j0 + jr) * ldb + p0, ldb, kc, dst, d, work);
            } else {
                panelBEdgeColumns(b, bOff + (j0 + jr) * ldb + p0, ldb, kc, cols, dst, d, work);
            }
        }
    }

    /** A full panel of B stored k x n: each row of the panel is NR adjacent values. */
    private static void panelBRows(float[] b, int src, int ldb, int kc, float[] dst, int d) {
        for (int p = 0; p < kc; p++, src += ldb, d += NR) {
            for (int v = 0; v < NR; v += VL) {
                FloatVector.fromArray(F, b, src + v).intoArray(dst, d + v);
            }
        }
    }

    /** The last panel of B stored k x n, with {@code cols < NR} columns; the rest of it is zero. */
    private static void panelBEdgeRows(float[] b, int src, int ldb, int kc, int cols, float[] dst, int d) {
        for (int p = 0; p < kc; p++, src += ldb, d += NR) {
            System.arraycopy(b, src, dst, d, cols);
            for (int j = cols; j < NR; j++) {
                dst[d + j] = 0f;
            }
        }
    }

    /**
     * A full panel of B stored n x k: column j of op(B) is a contiguous row. The panel is written in
     * order, VL steps x VL columns at a time (a VL x VL transpose; with 8 lanes all in registers, 10%
     * faster than interleave on Zen 4 forced to 256 bits, and 6-9% faster than scalar gathers for a
     * Linear layer's forward on Zen 3; by block swaps, not two-vector shuffles, that forward,
     * 64x784x256, 1.06-1.12x more), gathering from the panel's rows of B: their current cache lines
     * (NR of them) stay in L1 over the next steps, whereas writing the panel down its columns touches
     * a new line of a 64 KB panel with every store.
     */
    private static void panelBColumns(float[] b, int src, int ldb, int kc, float[] dst, int d, float[] work) {
        int p = 0;
        for (; p + VL <= kc; p += VL) {
            for (int h = 0; h < NR; h += VL) {
                if (BlockTranspose.SUPPORTED) {
                    BlockTranspose.transpose8(b, src + h * ldb + p, ldb, dst, d + p * NR + h, NR);
                } else {
                    interleave(b, src + h * ldb + p, ldb, VL, dst, d + p * NR + h, NR, work);
                }
            }
        }
        for (d += p * NR; p < kc; p++, d += NR) {
            int s = src + p;
            for (int j = 0; j < NR; j++, s += ldb) {
                dst[d + j] = b[s];
            }
        }
    }

    /**
     * The last panel of B stored n x k, with {@code cols < NR} columns; the rest of it is zero. Its
     * rows (contiguous in k) are copied into a zero-padded block of NR rows in {@code work}, which
     * then goes through {@link #panelBColumns}: a scalar gather here, run for every call of a
     * layer with 10 outputs, was compiled three times in a one-epoch MLP run (two OSR, 65 ms).
     */
    private static void panelBEdgeColumns(float[] b, int src, int ldb, int kc, int cols, float[] dst, int d, float[] work) {
        for (int j = 0; j < cols; j++) {
            System.arraycopy(b, src + j * ldb, work, SHUFFLE_WORK + j * kc, kc);
        }
        Arrays.fill(work, SHUFFLE_WORK + cols * kc, SHUFFLE_WORK + NR * kc, 0f);
        panelBColumns(work, SHUFFLE_WORK, kc, kc, dst, d, work);
    }
}

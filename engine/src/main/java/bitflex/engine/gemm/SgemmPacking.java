package bitflex.engine.gemm;

import bitflex.engine.simd.Simd;
import bitflex.engine.simd.TwoVectorShuffle;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
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

    // The three stages of an 8 x 8 transpose: stage s swaps the s x s blocks off the diagonal of each
    // 2s x 2s block. Row i (bit s clear) keeps its lanes with bit s clear and takes, in the others,
    // row i + s's lanes moved by s (lane l XOR s); row i + s the reverse. One single-vector rearrange
    // and one blend per row and stage: 48 operations, where two-vector shuffles (two rearranges and a
    // blend each) took 72. On Zen 3, one thread, paired in one JVM: the 64x784x256 forward of a Linear
    // layer 1.06-1.12x, 64x256x128 1.07x.
    private static final VectorShuffle<Float> SWAP1 = swap(1);
    private static final VectorShuffle<Float> SWAP2 = swap(2);
    private static final VectorShuffle<Float> SWAP4 = swap(4);
    private static final VectorMask<Float> HIGH1 = laneBit(1);
    private static final VectorMask<Float> HIGH2 = laneBit(2);
    private static final VectorMask<Float> HIGH4 = laneBit(4);

    // One round of the perfect shuffle: two rows of the next round interleave the low (ZIP_LO) or the
    // high (ZIP_HI) halves of rows i and i + rows/2 (indexes past VL pick from the second vector).
    private static final TwoVectorShuffle ZIP_LO = zip(0);
    private static final TwoVectorShuffle ZIP_HI = zip(VL / 2);

    /** Floats of work space {@link #packA} and {@link #packB} need beside their panels. */
    static final int PACK_WORK = 2 * VL * VL;

    private SgemmPacking() {}

    /** Lane l takes lane l XOR bit, on the 8-lane species; null with other widths (only 8-lane code uses it). */
    private static VectorShuffle<Float> swap(int bit) {
        return VL == 8 ? VectorShuffle.fromOp(F, l -> l ^ bit) : null;
    }

    /** The lanes whose index has {@code bit} set, on the 8-lane species; null with other widths. */
    private static VectorMask<Float> laneBit(int bit) {
        if (VL != 8) {
            return null;
        }
        boolean[] set = new boolean[VL];
        for (int l = 0; l < VL; l++) {
            set[l] = (l & bit) != 0;
        }
        return VectorMask.fromArray(F, set, 0);
    }

    /**
     * {@code dst[d + q * lds + j] = b[s + j * ld + q]} for {@code j, q < 8}: 8 row loads, 24
     * rearranges and 24 blends, 8 stores. For the transposed B of a Linear layer's forward it replaces
     * 64 scalar gathers; on Zen 3 the forward of a 784-to-256 layer on a batch of 64 ran 6-9% faster
     * with it (same bits: data movement only).
     */
    private static void transpose8(float[] b, int s, int ld, float[] dst, int d, int lds) {
        FloatVector r0 = FloatVector.fromArray(F, b, s);
        FloatVector r1 = FloatVector.fromArray(F, b, s + ld);
        FloatVector r2 = FloatVector.fromArray(F, b, s + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(F, b, s + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(F, b, s + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(F, b, s + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(F, b, s + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(F, b, s + 7 * ld);
        FloatVector t0 = r0.blend(r1.rearrange(SWAP1), HIGH1), t1 = r0.rearrange(SWAP1).blend(r1, HIGH1);
        FloatVector t2 = r2.blend(r3.rearrange(SWAP1), HIGH1), t3 = r2.rearrange(SWAP1).blend(r3, HIGH1);
        FloatVector t4 = r4.blend(r5.rearrange(SWAP1), HIGH1), t5 = r4.rearrange(SWAP1).blend(r5, HIGH1);
        FloatVector t6 = r6.blend(r7.rearrange(SWAP1), HIGH1), t7 = r6.rearrange(SWAP1).blend(r7, HIGH1);
        FloatVector u0 = t0.blend(t2.rearrange(SWAP2), HIGH2), u2 = t0.rearrange(SWAP2).blend(t2, HIGH2);
        FloatVector u1 = t1.blend(t3.rearrange(SWAP2), HIGH2), u3 = t1.rearrange(SWAP2).blend(t3, HIGH2);
        FloatVector u4 = t4.blend(t6.rearrange(SWAP2), HIGH2), u6 = t4.rearrange(SWAP2).blend(t6, HIGH2);
        FloatVector u5 = t5.blend(t7.rearrange(SWAP2), HIGH2), u7 = t5.rearrange(SWAP2).blend(t7, HIGH2);
        u0.blend(u4.rearrange(SWAP4), HIGH4).intoArray(dst, d);
        u1.blend(u5.rearrange(SWAP4), HIGH4).intoArray(dst, d + lds);
        u2.blend(u6.rearrange(SWAP4), HIGH4).intoArray(dst, d + 2 * lds);
        u3.blend(u7.rearrange(SWAP4), HIGH4).intoArray(dst, d + 3 * lds);
        u0.rearrange(SWAP4).blend(u4, HIGH4).intoArray(dst, d + 4 * lds);
        u1.rearrange(SWAP4).blend(u5, HIGH4).intoArray(dst, d + 5 * lds);
        u2.rearrange(SWAP4).blend(u6, HIGH4).intoArray(dst, d + 6 * lds);
        u3.rearrange(SWAP4).blend(u7, HIGH4).intoArray(dst, d + 7 * lds);
    }

    /**
     * {@link #interleave} of 4 rows of 8 lanes, the AVX2 tile's A panel: {@code dst[d + 4 * q + i] =
     * a[s + i * ld + q]} for {@code i < 4, q < 8}. Two stages of {@link #transpose8}'s block swaps
     * transpose the 4 x 4 blocks in each 128-bit half, a third pairs the halves: 12 rearranges and
     * 12 blends, no pass through work space (the general path: 24 two-vector shuffles and a round
     * trip of 4 vectors through memory). Paired in one JVM on Zen 3: a packing-bound 256x784x16
     * product 1.03x (39 of 50 rounds faster), the MLP's 64x784x256 forward 1.01x.
     */
    private static void interleave4x8(float[] a, int s, int ld, float[] dst, int d) {
        FloatVector r0 = FloatVector.fromArray(F, a, s);
        FloatVector r1 = FloatVector.fromArray(F, a, s + ld);
        FloatVector r2 = FloatVector.fromArray(F, a, s + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(F, a, s + 3 * ld);
        FloatVector t0 = r0.blend(r1.rearrange(SWAP1), HIGH1), t1 = r0.rearrange(SWAP1).blend(r1, HIGH1);
        FloatVector t2 = r2.blend(r3.rearrange(SWAP1), HIGH1), t3 = r2.rearrange(SWAP1).blend(r3, HIGH1);
        FloatVector v0 = t0.blend(t2.rearrange(SWAP2), HIGH2), v2 = t0.rearrange(SWAP2).blend(t2, HIGH2);
        FloatVector v1 = t1.blend(t3.rearrange(SWAP2), HIGH2), v3 = t1.rearrange(SWAP2).blend(t3, HIGH2);
        v0.blend(v1.rearrange(SWAP4), HIGH4).intoArray(dst, d);
        v2.blend(v3.rearrange(SWAP4), HIGH4).intoArray(dst, d + VL);
        v0.rearrange(SWAP4).blend(v1, HIGH4).intoArray(dst, d + 2 * VL);
        v2.rearrange(SWAP4).blend(v3, HIGH4).intoArray(dst, d + 3 * VL);
    }

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
     * {@code work} ({@link #PACK_WORK} floats), in place of {@code rows * VL} scalar moves.
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
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc,
                      float[] dst, float[] work) {
        int d = 0;
        for (int ir = 0; ir < mc; ir += MR) {
            int rows = Math.min(MR, mc - ir);
            if (transA) {
                // A is stored k x m: the MR values of one column of op(A) are adjacent.
                int src = aOff + p0 * lda + i0 + ir;
                if (rows == MR) {
                    // Element by element, not System.arraycopy: that was a call to the copy stub for
                    // every MR floats. Zen 3, one thread, paired in one JVM: the weight gradients of
                    // a 784-to-256 and a 256-to-128 layer over a batch of 64 1.06x and 1.16x.
                    for (int p = 0; p < kc; p++, src += lda, d += MR) {
                        for (int i = 0; i < MR; i++) {
                            dst[d + i] = a[src + i];
                        }
                    }
                    continue;
                }
                for (int p = 0; p < kc; p++, src += lda, d += MR) {
                    System.arraycopy(a, src, dst, d, rows);
                    for (int i = rows; i < MR; i++) {
                        dst[d + i] = 0f;
                    }
                }
            } else if (rows == MR) {
                // A is stored m x k: VL steps of the MR rows at a time are interleaved in vectors,
                // the k tail (and MR > VL) element by element, each row read in order.
                int src = aOff + (i0 + ir) * lda + p0;
                int p = 0;
                if (MR == 4 && VL == 8) {
                    for (; p + VL <= kc; p += VL) {
                        interleave4x8(a, src + p, lda, dst, d + p * MR);
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
                      float[] dst, float[] work) {
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
                // order, VL steps x VL columns at a time (a VL x VL transpose; with 8 lanes all in
                // registers, 10% faster than interleave on Zen 4 forced to 256 bits), gathering from
                // the panel's rows of B: their current cache lines (NR of them) stay in L1 over the
                // next steps, whereas writing the panel down its columns touches a new line of a
                // 64 KB panel with every store.
                int src = bOff + (j0 + jr) * ldb + p0;
                if (cols == NR) {
                    int p = 0;
                    for (; p + VL <= kc; p += VL) {
                        for (int h = 0; h < NR; h += VL) {
                            if (VL == 8) {
                                transpose8(b, src + h * ldb + p, ldb, dst, d + p * NR + h, NR);
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
                    continue;
                }
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

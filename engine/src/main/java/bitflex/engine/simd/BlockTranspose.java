package bitflex.engine.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Transposes of 8-lane float blocks in registers, for the packing of the GEMM and the lane layouts of
 * the convolution. Only for 8-lane vectors ({@link #SUPPORTED}); callers keep a scalar path for other
 * widths.
 *
 * <p>How: stage {@code s} (1, 2, 4) swaps the {@code s x s} blocks off the diagonal of every
 * {@code 2s x 2s} block. Row {@code i} (bit {@code s} of i clear) keeps its lanes whose index has bit
 * {@code s} clear and takes, in the others, row {@code i + s}'s lanes moved by {@code s} (lane
 * {@code l XOR s}); row {@code i + s} the reverse. That is one single-vector rearrange and one blend per
 * row and stage: an 8 x 8 transpose in 24 of each, where two-vector shuffles (two rearranges and a
 * blend apiece) took 72 operations. Data movement only: the values keep their bits.
 *
 * <p>Every call's receiver is a vector loaded or computed in the same method, whose class C2 knows,
 * so none of the Vector API calls is left virtual (see {@code FloatKernels.max}).
 */
public final class BlockTranspose {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    /** Whether this JVM's float vectors have the 8 lanes these methods need. */
    public static final boolean SUPPORTED = F.length() == 8;

    private static final VectorShuffle<Float> SWAP1 = swap(1);
    private static final VectorShuffle<Float> SWAP2 = swap(2);
    private static final VectorShuffle<Float> SWAP4 = swap(4);
    private static final VectorMask<Float> HIGH1 = laneBit(1);
    private static final VectorMask<Float> HIGH2 = laneBit(2);
    private static final VectorMask<Float> HIGH4 = laneBit(4);

    private BlockTranspose() {}

    /** Lane l takes lane l XOR bit; null unless {@link #SUPPORTED}. */
    private static VectorShuffle<Float> swap(int bit) {
        return SUPPORTED ? VectorShuffle.fromOp(F, l -> l ^ bit) : null;
    }

    /** The lanes whose index has {@code bit} set; null unless {@link #SUPPORTED}. */
    private static VectorMask<Float> laneBit(int bit) {
        if (!SUPPORTED) {
            return null;
        }
        boolean[] set = new boolean[8];
        for (int l = 0; l < 8; l++) {
            set[l] = (l & bit) != 0;
        }
        return VectorMask.fromArray(F, set, 0);
    }

    /**
     * {@code dst[d + q * lds + j] = src[s + j * ld + q]} for {@code j, q < 8}: 8 row loads, 24
     * rearranges and 24 blends, 8 stores.
     */
    public static void transpose8(float[] src, int s, int ld, float[] dst, int d, int lds) {
        transpose8(src, s, ld, false, 0f, dst, d, lds);
    }

    /**
     * {@link #transpose8} with {@code addend} added to every value:
     * {@code dst[d + q * lds + j] = src[s + j * ld + q] + addend}, the scalar sum's single rounding
     * (a convolution's output and its bias).
     */
    public static void transpose8Add(float[] src, int s, int ld, float addend, float[] dst, int d, int lds) {
        transpose8(src, s, ld, true, addend, dst, d, lds);
    }

    // One body for both (one C2 compile); the addend is added to the rows as they are loaded, which
    // gives the same bits as adding it after the transpose. Adding 0 instead of testing would turn -0
    // into +0.
    private static void transpose8(float[] src, int s, int ld, boolean add, float addend, float[] dst, int d, int lds) {
        FloatVector r0 = FloatVector.fromArray(F, src, s);
        FloatVector r1 = FloatVector.fromArray(F, src, s + ld);
        FloatVector r2 = FloatVector.fromArray(F, src, s + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(F, src, s + 3 * ld);
        FloatVector r4 = FloatVector.fromArray(F, src, s + 4 * ld);
        FloatVector r5 = FloatVector.fromArray(F, src, s + 5 * ld);
        FloatVector r6 = FloatVector.fromArray(F, src, s + 6 * ld);
        FloatVector r7 = FloatVector.fromArray(F, src, s + 7 * ld);
        if (add) {
            r0 = r0.add(addend);
            r1 = r1.add(addend);
            r2 = r2.add(addend);
            r3 = r3.add(addend);
            r4 = r4.add(addend);
            r5 = r5.add(addend);
            r6 = r6.add(addend);
            r7 = r7.add(addend);
        }
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
     * 4 rows of 8 lanes interleaved: {@code dst[d + 4 * q + i] = src[s + i * ld + q]} for
     * {@code i < 4, q < 8} (the A panel of the AVX2 GEMM tile). Two stages of swaps transpose the
     * 4 x 4 blocks in each 128-bit half, a third pairs the halves: 12 rearranges and 12 blends.
     */
    public static void interleave4x8(float[] src, int s, int ld, float[] dst, int d) {
        FloatVector r0 = FloatVector.fromArray(F, src, s);
        FloatVector r1 = FloatVector.fromArray(F, src, s + ld);
        FloatVector r2 = FloatVector.fromArray(F, src, s + 2 * ld);
        FloatVector r3 = FloatVector.fromArray(F, src, s + 3 * ld);
        FloatVector t0 = r0.blend(r1.rearrange(SWAP1), HIGH1), t1 = r0.rearrange(SWAP1).blend(r1, HIGH1);
        FloatVector t2 = r2.blend(r3.rearrange(SWAP1), HIGH1), t3 = r2.rearrange(SWAP1).blend(r3, HIGH1);
        FloatVector v0 = t0.blend(t2.rearrange(SWAP2), HIGH2), v2 = t0.rearrange(SWAP2).blend(t2, HIGH2);
        FloatVector v1 = t1.blend(t3.rearrange(SWAP2), HIGH2), v3 = t1.rearrange(SWAP2).blend(t3, HIGH2);
        v0.blend(v1.rearrange(SWAP4), HIGH4).intoArray(dst, d);
        v2.blend(v3.rearrange(SWAP4), HIGH4).intoArray(dst, d + 8);
        v0.rearrange(SWAP4).blend(v1, HIGH4).intoArray(dst, d + 16);
        v2.rearrange(SWAP4).blend(v3, HIGH4).intoArray(dst, d + 24);
    }
}

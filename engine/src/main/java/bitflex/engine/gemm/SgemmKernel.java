package bitflex.engine.gemm;

import bitflex.engine.simd.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled micro-kernel of {@link Sgemm}: one {@value #MR} x {@link #NR} tile of C from a
 * packed A micro-panel and a packed B micro-panel, in outer-product form.
 *
 * <p>The tile is {@value #MR} rows by {@link #NR} = {@value #NV} vectors: 8 x 32 floats at 512 bits,
 * 8 x 16 at 256 and 8 x 8 at 128. Each step of {@code p} loads {@value #NV} vectors of B's row {@code p} and broadcasts each of the
 * {@value #MR} values of A's column {@code p}, then does {@code MR * NV} independent FMAs into
 * accumulators that live in registers for the whole loop ({@code MR * NV} = 16 zmm of the 32 on
 * AVX-512, enough independent chains to hide the FMA latency on both FMA pipes). The accumulators are
 * named locals, not an array: an array of vectors would be boxed and run ~30x slower.
 *
 * <p>Every element's sum runs over {@code p} in order with one fused multiply-add per term, and the
 * tile is stored as {@code alpha * acc + beta * c} with one more FMA, so an element's value does not
 * depend on where its tile sits: the full and the edge path give identical bits.
 */
final class SgemmKernel {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    /** Lanes per vector. */
    static final int VL = F.length();
    /** Rows of the register tile. */
    static final int MR = 8;
    /** Vectors per row of the register tile. */
    static final int NV = 2;
    /** Columns of the register tile. */
    static final int NR = NV * VL;

    private SgemmKernel() {}

    /**
     * {@code C[0..MR, 0..NR) = alpha * Apanel * Bpanel + beta * C} (C not read when {@code beta == 0}).
     *
     * @param ap  A: for each of {@code kc} steps, {@code MR} adjacent values (a packed panel)
     * @param ao  where step 0 starts in {@code ap}
     * @param acs distance between steps in {@code ap} ({@code MR} when packed)
     * @param bp  B: for each of {@code kc} steps, {@code NR} adjacent values
     * @param bo  where step 0 starts in {@code bp}
     * @param bcs distance between steps in {@code bp} ({@code NR} when packed, ldb when read in place)
     * @param rows rows of the tile to store, 1..MR: a tile short of rows but full in columns (a
     *             6-channel convolution) is stored straight from the registers, not through scratch
     */
    static void tile(int kc, float[] ap, int ao, int acs, float[] bp, int bo, int bcs,
                     float alpha, float beta, float[] c, int co, int ldc, int rows) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * acs;
            int bi = bo + p * bcs;
            FloatVector b0 = FloatVector.fromArray(F, bp, bi); FloatVector b1 = FloatVector.fromArray(F, bp, bi + VL);
            FloatVector a0 = FloatVector.broadcast(F, ap[ai]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(F, ap[ai + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(F, ap[ai + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(F, ap[ai + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(F, ap[ai + 4]);
            c40 = a4.fma(b0, c40); c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(F, ap[ai + 5]);
            c50 = a5.fma(b0, c50); c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(F, ap[ai + 6]);
            c60 = a6.fma(b0, c60); c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(F, ap[ai + 7]);
            c70 = a7.fma(b0, c70); c71 = a7.fma(b1, c71);
        }
        store(c00, alpha, beta, c, co); store(c01, alpha, beta, c, co + 1 * VL); co += ldc;
        if (rows < 2) return;
        store(c10, alpha, beta, c, co); store(c11, alpha, beta, c, co + 1 * VL); co += ldc;
        if (rows < 3) return;
        store(c20, alpha, beta, c, co); store(c21, alpha, beta, c, co + 1 * VL); co += ldc;
        if (rows < 4) return;
        store(c30, alpha, beta, c, co); store(c31, alpha, beta, c, co + 1 * VL); co += ldc;
        if (rows < 5) return;
        store(c40, alpha, beta, c, co); store(c41, alpha, beta, c, co + 1 * VL); co += ldc;
        if (rows < 6) return;
        store(c50, alpha, beta, c, co); store(c51, alpha, beta, c, co + 1 * VL); co += ldc;
        if (rows < 7) return;
        store(c60, alpha, beta, c, co); store(c61, alpha, beta, c, co + 1 * VL); co += ldc;
        if (rows < 8) return;
        store(c70, alpha, beta, c, co); store(c71, alpha, beta, c, co + 1 * VL);
    }

    /** A full tile: all {@value #MR} rows stored. */
    static void tile(int kc, float[] ap, int ao, int acs, float[] bp, int bo, int bcs,
                     float alpha, float beta, float[] c, int co, int ldc) {
        tile(kc, ap, ao, acs, bp, bo, bcs, alpha, beta, c, co, ldc, MR);
    }

    /**
     * The same tile for the edges of C: only {@code mr x nr} of it are written. The full tile is
     * computed into {@code scratch} (MR * NR floats; the packed panels are zero-padded) and then
     * stored element by element with the same FMA as {@link #tile}.
     */
    static void edgeTile(int kc, float[] ap, int ao, int acs, float[] bp, int bo, int bcs, float alpha,
                         float beta, float[] c, int co, int ldc, int mr, int nr, float[] scratch) {
        tile(kc, ap, ao, acs, bp, bo, bcs, 1f, 0f, scratch, 0, NR);
        for (int i = 0; i < mr; i++) {
            int ci = co + i * ldc;
            int si = i * NR;
            if (beta == 0f) {
                for (int j = 0; j < nr; j++) {
                    c[ci + j] = scratch[si + j] * alpha;
                }
            } else {
                for (int j = 0; j < nr; j++) {
                    c[ci + j] = Math.fma(scratch[si + j], alpha, c[ci + j] * beta);
                }
            }
        }
    }

    private static void store(FloatVector acc, float alpha, float beta, float[] c, int co) {
        FloatVector r = beta == 0f
                ? acc.mul(alpha)
                : acc.fma(FloatVector.broadcast(F, alpha), FloatVector.fromArray(F, c, co).mul(beta));
        r.intoArray(c, co);
    }
}

package bitflex.engine.gemm;

import bitflex.engine.simd.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled micro-kernel of {@link Sgemm}: one {@link #MR} x {@link #NR} tile of C from a
 * packed A micro-panel and a packed B micro-panel, in outer-product form.
 *
 * <p>The tile is {@link #MR} rows by {@link #NR} = {@value #NV} vectors. Each step of {@code p} loads
 * {@value #NV} vectors of B's row {@code p} and broadcasts each of the {@link #MR} values of A's
 * column {@code p}, then does {@code MR * NV} independent FMAs into accumulators that live in
 * registers for the whole loop. How many rows fit depends on the register file
 * ({@link Simd#REGISTERS}): with 32 (AVX-512, AArch64) the tile is 8 rows, 16 accumulators; with 16
 * (AVX2) it is 4 rows, 8 accumulators, one step of {@code p} per iteration: C2 loads every
 * broadcast of an iteration before its first FMA, and both 8 and 6 rows, and 4 rows with two steps
 * per iteration, spilled accumulators to the stack on every step there (read off its code). Either
 * way there are enough independent chains to hide the FMA latency on both FMA pipes. The
 * accumulators are named locals, not an array: an array of vectors would be boxed and run ~30x
 * slower.
 *
 * <p>Whether the tile is added to C is a lane mask, all set or all clear, not a branch: the kernel
 * always loads C and blends. C2 compiles a branch its profile never saw taken as a trap, and in a
 * fresh JVM the MLP's first C2 compile of the kernel had profiled only weight-gradient tiles (beta 0):
 * the first forward GEMM after it threw the compiled kernel away, and the kernel ran in C1 for
 * another 0.5 s until C2 had compiled it twice more.
 *
 * <p>Every element's sum runs over {@code p} in order with one fused multiply-add per term, and the
 * tile is stored as {@code alpha * acc} or {@code fma(acc, alpha, beta * c)} (with alpha and beta 1,
 * the vector {@code acc + c}: the same single rounding), so an element's value
 * does not depend on where its tile sits or how tall the tile is: the full and the edge path, and the
 * 4- and 8-row tiles, give identical bits ({@code SgemmTest} checks them against that fma chain).
 */
final class SgemmKernel {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    /** Lanes per vector. */
    static final int VL = F.length();
    /** Rows of the register tile: 8 with 32 vector registers, 4 with 16. */
    static final int MR = Simd.REGISTERS >= 32 ? 8 : 4;
    /** Vectors per row of the register tile. */
    static final int NV = 2;
    /** Columns of the register tile. */
    static final int NR = NV * VL;

    private SgemmKernel() {}

    /**
     * {@code C[0..mr, 0..nr) = alpha * Apanel * Bpanel + beta * C}; with {@code beta == 0} the result
     * does not depend on what C held (NaN included). The packed panels are zero-padded to a whole
     * tile. A full tile with {@code alpha == 1} goes straight from the registers to C: overwriting it
     * when {@code beta == 0}, adding to it when {@code beta == 1} (the later KC blocks of a long k);
     * that path loads C either way and masks the loaded values off when {@code beta == 0}. Every
     * other tile is accumulated into {@code scratch} (MR * NR floats) and stored element by element
     * as {@code alpha * acc} or {@code fma(acc, alpha, beta * c)}: the same bits a vector FMA would
     * give, and with {@code alpha == beta == 1} the same bits as the vector add.
     *
     * @param ap  A: for each of {@code kc} steps, {@code MR} adjacent values (a packed panel)
     * @param ao  where step 0 starts in {@code ap}
     * @param bp  B: for each of {@code kc} steps, {@code NR} adjacent values (a packed panel)
     * @param bo  where step 0 starts in {@code bp}
     */
    static void tile(int kc, float[] ap, int ao, float[] bp, int bo, float alpha,
                     float beta, float[] c, int co, int ldc, int mr, int nr, float[] scratch) {
        // Non-short-circuit tests, for the reason in the class comment: with || the beta == 1 test
        // is a branch of its own that weight-gradient calls (beta 0) never reach.
        if (mr == MR & nr == NR & alpha == 1f & (beta == 0f | beta == 1f)) {
            accumulate(kc, ap, ao, bp, bo, c, co, ldc, beta);
            return;
        }
        accumulate(kc, ap, ao, bp, bo, scratch, 0, NR, 0f);
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

    /**
     * The register tile for this machine's {@link #MR} (a constant, so C2 keeps one branch):
     * {@code out = Apanel * Bpanel} when {@code beta} is 0, {@code out += Apanel * Bpanel} when it is 1.
     * Any other {@code beta} would overwrite {@code out}: {@link #tile} sends only 0 and 1 here.
     */
    private static void accumulate(int kc, float[] ap, int ao, float[] bp, int bo,
                                   float[] out, int oo, int ldo, float beta) {
        if (MR == 8) {
            accumulate8(kc, ap, ao, bp, bo, out, oo, ldo, beta);
        } else {
            accumulate4(kc, ap, ao, bp, bo, out, oo, ldo, beta);
        }
    }

    /**
     * The 8-row register tile: {@code out[8 x NR] = Apanel * Bpanel}, row stride {@code ldo}.
     * Nothing but loads, FMAs and stores, and no call that takes a vector: C2 cuts inlining off in a
     * method this large (NodeCountInliningCutoff), and a vector passed to a method that was not
     * inlined is boxed on the heap for every call.
     */
    private static void accumulate8(int kc, float[] ap, int ao, float[] bp, int bo,
                                    float[] out, int oo, int ldo, float beta) {
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
            int ai = ao + p * MR;
            int bi = bo + p * NR;
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
        // Adding to C is a lane mask, not a branch (see the class comment); beta is 0 or 1. The
        // loaded C is the receiver: the accumulators are loop phis, whose class C2 may not know,
        // and then add(v, mask) on them was a virtual call into the Java fallback (LogCompilation).
        VectorMask<Float> drop = FloatVector.broadcast(F, beta).eq(0f);
        int o = oo;
        c00 = FloatVector.fromArray(F, out, o).add(c00).blend(c00, drop); c01 = FloatVector.fromArray(F, out, o + VL).add(c01).blend(c01, drop); o += ldo;
        c10 = FloatVector.fromArray(F, out, o).add(c10).blend(c10, drop); c11 = FloatVector.fromArray(F, out, o + VL).add(c11).blend(c11, drop); o += ldo;
        c20 = FloatVector.fromArray(F, out, o).add(c20).blend(c20, drop); c21 = FloatVector.fromArray(F, out, o + VL).add(c21).blend(c21, drop); o += ldo;
        c30 = FloatVector.fromArray(F, out, o).add(c30).blend(c30, drop); c31 = FloatVector.fromArray(F, out, o + VL).add(c31).blend(c31, drop); o += ldo;
        c40 = FloatVector.fromArray(F, out, o).add(c40).blend(c40, drop); c41 = FloatVector.fromArray(F, out, o + VL).add(c41).blend(c41, drop); o += ldo;
        c50 = FloatVector.fromArray(F, out, o).add(c50).blend(c50, drop); c51 = FloatVector.fromArray(F, out, o + VL).add(c51).blend(c51, drop); o += ldo;
        c60 = FloatVector.fromArray(F, out, o).add(c60).blend(c60, drop); c61 = FloatVector.fromArray(F, out, o + VL).add(c61).blend(c61, drop); o += ldo;
        c70 = FloatVector.fromArray(F, out, o).add(c70).blend(c70, drop); c71 = FloatVector.fromArray(F, out, o + VL).add(c71).blend(c71, drop);
        c00.intoArray(out, oo); c01.intoArray(out, oo + VL); oo += ldo;
        c10.intoArray(out, oo); c11.intoArray(out, oo + VL); oo += ldo;
        c20.intoArray(out, oo); c21.intoArray(out, oo + VL); oo += ldo;
        c30.intoArray(out, oo); c31.intoArray(out, oo + VL); oo += ldo;
        c40.intoArray(out, oo); c41.intoArray(out, oo + VL); oo += ldo;
        c50.intoArray(out, oo); c51.intoArray(out, oo + VL); oo += ldo;
        c60.intoArray(out, oo); c61.intoArray(out, oo + VL); oo += ldo;
        c70.intoArray(out, oo); c71.intoArray(out, oo + VL);
    }

    /**
     * The 4-row register tile for 16 vector registers: 8 accumulators, one step of {@code p} per
     * iteration. C2 loads all of an iteration's broadcasts before its first FMA, so a 6- or 8-row tile
     * spills accumulators to the stack on AVX2, and a spilled accumulator is a load-FMA-store chain
     * through memory on every step; 8 accumulators, 2 rows of B and 4 broadcasts take 14 of the 16
     * registers and are still the 8 independent chains two 4-cycle FMA pipes need.
     *
     * <p>The loop is {@code p < kc}, one step at a time, on purpose. Two steps per iteration under
     * {@code p + 1 < kc} was not a counted loop for C2: it kept four bounds checks and a safepoint
     * poll in every iteration. Two steps under a plain limit were counted, but then 8 broadcasts were
     * live at once and 5 accumulators spilled. This form is counted, its checks are hoisted, C2 did
     * not unroll it, and it ran 7-10% faster on one Zen 3 core (MLP shapes and 1024^3, paired runs
     * in one JVM).
     */
    private static void accumulate4(int kc, float[] ap, int ao, float[] bp, int bo,
                                    float[] out, int oo, int ldo, float beta) {
        FloatVector z = FloatVector.zero(F);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        for (int p = 0; p < kc; p++) {
            int ai = ao + p * MR;
            int bi = bo + p * NR;
            FloatVector b0 = FloatVector.fromArray(F, bp, bi); FloatVector b1 = FloatVector.fromArray(F, bp, bi + VL);
            FloatVector a0 = FloatVector.broadcast(F, ap[ai]);
            c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(F, ap[ai + 1]);
            c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(F, ap[ai + 2]);
            c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(F, ap[ai + 3]);
            c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
        }
        // Adding to C is a lane mask, not a branch (see the class comment); beta is 0 or 1. The
        // loaded C is the receiver: the accumulators are loop phis, whose class C2 may not know,
        // and then add(v, mask) on them was a virtual call into the Java fallback (LogCompilation).
        VectorMask<Float> drop = FloatVector.broadcast(F, beta).eq(0f);
        int o = oo;
        c00 = FloatVector.fromArray(F, out, o).add(c00).blend(c00, drop); c01 = FloatVector.fromArray(F, out, o + VL).add(c01).blend(c01, drop); o += ldo;
        c10 = FloatVector.fromArray(F, out, o).add(c10).blend(c10, drop); c11 = FloatVector.fromArray(F, out, o + VL).add(c11).blend(c11, drop); o += ldo;
        c20 = FloatVector.fromArray(F, out, o).add(c20).blend(c20, drop); c21 = FloatVector.fromArray(F, out, o + VL).add(c21).blend(c21, drop); o += ldo;
        c30 = FloatVector.fromArray(F, out, o).add(c30).blend(c30, drop); c31 = FloatVector.fromArray(F, out, o + VL).add(c31).blend(c31, drop);
        c00.intoArray(out, oo); c01.intoArray(out, oo + VL); oo += ldo;
        c10.intoArray(out, oo); c11.intoArray(out, oo + VL); oo += ldo;
        c20.intoArray(out, oo); c21.intoArray(out, oo + VL); oo += ldo;
        c30.intoArray(out, oo); c31.intoArray(out, oo + VL);
    }
}

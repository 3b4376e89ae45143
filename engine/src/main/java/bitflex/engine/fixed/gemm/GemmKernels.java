package bitflex.engine.fixed.gemm;

import bitflex.engine.parallel.Parallel;
import bitflex.engine.simd.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-tiled integer GEMM micro-kernels on packed panels ({@link GemmPack}), in outer-product
 * form: a 4 x (2 vectors) tile of accumulators, one broadcast of A and two loads of B per step,
 * no horizontal reductions. Both compute {@code C = A * B} modulo 2^32 into an {@code int[]}.
 *
 * <ul>
 * <li>int8 ({@link #runFloat}): a float carrier. Each product of two int8 values has magnitude at
 * most 2^14 and is exact in float; a reduction block has at most {@link #KC} = 256 &lt;= 1024
 * terms, so every partial sum is an integer of magnitude at most 2^22 &lt; 2^24, exactly
 * representable, and every fused multiply-add (or multiply then add) is exact whatever the order.
 * Each block's float sums are converted to int exactly and added into C in 32-bit lanes.</li>
 * <li>int16 ({@link #runInt}): int lanes. Products have magnitude at most 2^30; the 32-bit adds
 * wrap, so C is the exact sum modulo 2^32.</li>
 * </ul>
 * Work is split into fixed (row block, column block) tasks; each owns its C tile and reduces in
 * the same order for any thread count, so results are bit-identical for 1 and N threads.
 */
final class GemmKernels {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final VectorSpecies<Integer> I = Simd.INT;
    private static final int L = I.length();
    static final int MR = 4;
    static final int NR = 2 * L;
    static final int KC = Integer.getInteger("kc", 256);
    /** Rows per task. */
    static final int MB = Integer.getInteger("mb", 16) * MR;
    /** Columns per task. */
    static final int NB = Integer.getInteger("nb", 4) * NR;

    private GemmKernels() {}

    static void runFloat(int m, int n, int k, float[] ap, float[] bp, int[] c, int cOff, int ldc) {
        final int mPad = GemmPack.pad(m, MR);
        final int nPad = GemmPack.pad(n, NR);
        final int rowBlocks = (m + MB - 1) / MB;
        final int colBlocks = (n + NB - 1) / NB;
        Parallel.forEach(rowBlocks * colBlocks, t -> {
            int i0 = (t / colBlocks) * MB;
            int j0 = (t % colBlocks) * NB;
            int i1 = Math.min(m, i0 + MB);
            int j1 = Math.min(n, j0 + NB);
            zero(c, cOff, ldc, i0, i1, j0, j1);
            float[] scratch = new float[MR * NR];
            for (int k0 = 0; k0 < k; k0 += KC) {
                int kc = Math.min(KC, k - k0);
                for (int j = j0; j < j1; j += NR) {
                    int bBase = k0 * nPad + (j / NR) * NR * kc;
                    for (int i = i0; i < i1; i += MR) {
                        int aBase = k0 * mPad + (i / MR) * MR * kc;
                        microFloat(ap, aBase, bp, bBase, kc, c, cOff + i * ldc + j, ldc,
                                Math.min(MR, m - i), Math.min(NR, n - j), scratch);
                    }
                }
            }
        });
    }

    static void runInt(int m, int n, int k, int[] ap, int[] bp, int[] c, int cOff, int ldc) {
        final int mPad = GemmPack.pad(m, MR);
        final int nPad = GemmPack.pad(n, NR);
        final int rowBlocks = (m + MB - 1) / MB;
        final int colBlocks = (n + NB - 1) / NB;
        Parallel.forEach(rowBlocks * colBlocks, t -> {
            int i0 = (t / colBlocks) * MB;
            int j0 = (t % colBlocks) * NB;
            int i1 = Math.min(m, i0 + MB);
            int j1 = Math.min(n, j0 + NB);
            zero(c, cOff, ldc, i0, i1, j0, j1);
            int[] scratch = new int[MR * NR];
            for (int k0 = 0; k0 < k; k0 += KC) {
                int kc = Math.min(KC, k - k0);
                for (int j = j0; j < j1; j += NR) {
                    int bBase = k0 * nPad + (j / NR) * NR * kc;
                    for (int i = i0; i < i1; i += MR) {
                        int aBase = k0 * mPad + (i / MR) * MR * kc;
                        microInt(ap, aBase, bp, bBase, kc, c, cOff + i * ldc + j, ldc,
                                Math.min(MR, m - i), Math.min(NR, n - j), scratch);
                    }
                }
            }
        });
    }

    private static void zero(int[] c, int cOff, int ldc, int i0, int i1, int j0, int j1) {
        for (int i = i0; i < i1; i++) {
            java.util.Arrays.fill(c, cOff + i * ldc + j0, cOff + i * ldc + j1, 0);
        }
    }

    private static void microFloat(float[] ap, int aBase, float[] bp, int bBase, int kc,
                                   int[] c, int cOff, int ldc, int rows, int cols, float[] scratch) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F);
        FloatVector c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F);
        FloatVector c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F);
        FloatVector c31 = FloatVector.zero(F);
        int ao = aBase;
        int bo = bBase;
        for (int p = 0; p < kc; p++, ao += MR, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
            FloatVector a = FloatVector.broadcast(F, ap[ao]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(F, ap[ao + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(F, ap[ao + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(F, ap[ao + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
        }
        if (rows == MR && cols == NR) {
            addRow(c, cOff, c00, c01);
            addRow(c, cOff + ldc, c10, c11);
            addRow(c, cOff + 2 * ldc, c20, c21);
            addRow(c, cOff + 3 * ldc, c30, c31);
            return;
        }
        c00.intoArray(scratch, 0);
        c01.intoArray(scratch, L);
        c10.intoArray(scratch, NR);
        c11.intoArray(scratch, NR + L);
        c20.intoArray(scratch, 2 * NR);
        c21.intoArray(scratch, 2 * NR + L);
        c30.intoArray(scratch, 3 * NR);
        c31.intoArray(scratch, 3 * NR + L);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                c[cOff + r * ldc + j] += (int) scratch[r * NR + j];
            }
        }
    }

    private static void addRow(int[] c, int off, FloatVector s0, FloatVector s1) {
        IntVector.fromArray(I, c, off).add((IntVector) s0.convert(VectorOperators.F2I, 0)).intoArray(c, off);
        IntVector.fromArray(I, c, off + L).add((IntVector) s1.convert(VectorOperators.F2I, 0)).intoArray(c, off + L);
    }

    private static void microInt(int[] ap, int aBase, int[] bp, int bBase, int kc,
                                 int[] c, int cOff, int ldc, int rows, int cols, int[] scratch) {
        IntVector c00 = IntVector.zero(I);
        IntVector c01 = IntVector.zero(I);
        IntVector c10 = IntVector.zero(I);
        IntVector c11 = IntVector.zero(I);
        IntVector c20 = IntVector.zero(I);
        IntVector c21 = IntVector.zero(I);
        IntVector c30 = IntVector.zero(I);
        IntVector c31 = IntVector.zero(I);
        int ao = aBase;
        int bo = bBase;
        for (int p = 0; p < kc; p++, ao += MR, bo += NR) {
            IntVector b0 = IntVector.fromArray(I, bp, bo);
            IntVector b1 = IntVector.fromArray(I, bp, bo + L);
            int a = ap[ao];
            c00 = b0.mul(a).add(c00);
            c01 = b1.mul(a).add(c01);
            a = ap[ao + 1];
            c10 = b0.mul(a).add(c10);
            c11 = b1.mul(a).add(c11);
            a = ap[ao + 2];
            c20 = b0.mul(a).add(c20);
            c21 = b1.mul(a).add(c21);
            a = ap[ao + 3];
            c30 = b0.mul(a).add(c30);
            c31 = b1.mul(a).add(c31);
        }
        if (rows == MR && cols == NR) {
            addRow(c, cOff, c00, c01);
            addRow(c, cOff + ldc, c10, c11);
            addRow(c, cOff + 2 * ldc, c20, c21);
            addRow(c, cOff + 3 * ldc, c30, c31);
            return;
        }
        c00.intoArray(scratch, 0);
        c01.intoArray(scratch, L);
        c10.intoArray(scratch, NR);
        c11.intoArray(scratch, NR + L);
        c20.intoArray(scratch, 2 * NR);
        c21.intoArray(scratch, 2 * NR + L);
        c30.intoArray(scratch, 3 * NR);
        c31.intoArray(scratch, 3 * NR + L);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                c[cOff + r * ldc + j] += scratch[r * NR + j];
            }
        }
    }

    private static void addRow(int[] c, int off, IntVector s0, IntVector s1) {
        IntVector.fromArray(I, c, off).add(s0).intoArray(c, off);
        IntVector.fromArray(I, c, off + L).add(s1).intoArray(c, off + L);
    }
}

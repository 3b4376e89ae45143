package bitflex.engine.fixed.gemm;

import bitflex.engine.fixed.ExactRounding;
import bitflex.engine.fixed.Overflow;
import bitflex.engine.memory.ScratchMemory;
import bitflex.engine.parallel.Parallel;
import bitflex.engine.simd.Simd;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Integer matrix multiply on int8 or int16 operands, row-major, BLAS-style layout:
 * {@code C = op(A) * op(B)} with {@code op(A)} m x k and {@code op(B)} k x n; untransposed A is
 * stored m x k with row stride {@code lda >= k}, transposed A is stored k x m with
 * {@code lda >= m} (likewise B). Products are exact; sums follow the modelled
 * {@link Accumulator} exactly (see its definition). C is overwritten.
 *
 * <p>Paths, chosen per call:
 * <ul>
 * <li><b>fast</b> (packed, register-tiled, multithreaded, {@link GemmKernels}): WRAP accumulators
 * of any width (exact modulo 2^32, reduced to w bits), and SATURATE or exact accumulators when
 * {@code max_i sum_p |A(i,p)| * max|B|} proves that no partial sum can overflow;</li>
 * <li><b>saturating</b> (multithreaded over rows, SIMD over columns, unpacked, reduction index
 * in increasing order with the clamp after every addition): SATURATE accumulators that might
 * saturate;</li>
 * <li><b>sequential</b> (multithreaded over rows, scalar {@code long}): the exact accumulator
 * when sums might exceed 32 bits.</li>
 * </ul>
 * Every path is bit-identical for any thread count.
 */
public final class IntGemm {
    private static final VectorSpecies<Integer> I = Simd.INT;

    private IntGemm() {}

    /** int8 x int8 into a modelled accumulator of width 16..32. */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            byte[] a, int aOff, int lda, byte[] b, int bOff, int ldb,
                            int[] c, int cOff, int ldc, Accumulator acc) {
        check(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        requireNarrow(acc);
        if (m == 0 || n == 0) {
            return;
        }
        if (acc.overflow() == Overflow.WRAP || bound(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb) <= acc.max()) {
            fast8(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
            finishWrap(m, n, c, cOff, ldc, acc);
        } else {
            saturating(m, n, k, widen(transA, a, aOff, lda, m, k), widen(transB, b, bOff, ldb, k, n), c, cOff, ldc, acc.width());
        }
    }

    /** int16 x int16 into a modelled accumulator of width 16..32. */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            short[] a, int aOff, int lda, short[] b, int bOff, int ldb,
                            int[] c, int cOff, int ldc, Accumulator acc) {
        check(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        requireNarrow(acc);
        if (m == 0 || n == 0) {
            return;
        }
        if (acc.overflow() == Overflow.WRAP || bound(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb) <= acc.max()) {
            fast16(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
            finishWrap(m, n, c, cOff, ldc, acc);
        } else {
            saturating(m, n, k, widen(transA, a, aOff, lda, m, k), widen(transB, b, bOff, ldb, k, n), c, cOff, ldc, acc.width());
        }
    }

    /** int8 x int8, exact sums (the 64-bit reference accumulator). */
    public static void gemmExact(boolean transA, boolean transB, int m, int n, int k,
                                 byte[] a, int aOff, int lda, byte[] b, int bOff, int ldb,
                                 long[] c, int cOff, int ldc) {
        check(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (bound(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb) <= Integer.MAX_VALUE) {
            int[] tmp = new int[m * n];
            fast8(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, tmp, 0, n);
            copy(m, n, tmp, c, cOff, ldc);
        } else {
            sequential(m, n, k, widen(transA, a, aOff, lda, m, k), widen(!transB, b, bOff, ldb, n, k), null, cOff, ldc, c, Accumulator.EXACT);
        }
    }

    /** int16 x int16, exact sums (the 64-bit reference accumulator). */
    public static void gemmExact(boolean transA, boolean transB, int m, int n, int k,
                                 short[] a, int aOff, int lda, short[] b, int bOff, int ldb,
                                 long[] c, int cOff, int ldc) {
        check(transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (bound(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb) <= Integer.MAX_VALUE) {
            int[] tmp = new int[m * n];
            fast16(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, tmp, 0, n);
            copy(m, n, tmp, c, cOff, ldc);
        } else {
            sequential(m, n, k, widen(transA, a, aOff, lda, m, k), widen(!transB, b, bOff, ldb, n, k), null, cOff, ldc, c, Accumulator.EXACT);
        }
    }

    private static void fast8(boolean transA, boolean transB, int m, int n, int k, byte[] a, int aOff, int lda,
                              byte[] b, int bOff, int ldb, int[] c, int cOff, int ldc) {
        float[][] buf = FLOAT_PANELS.get();
        float[] ap = buf[0] = grow(buf[0], GemmPack.pad(m, GemmKernels.MR) * k);
        float[] bp = buf[1] = grow(buf[1], GemmPack.pad(n, GemmKernels.NR) * k);
        GemmPack.packBoth(transA, a, aOff, lda, m, transB, b, bOff, ldb, n, k, ap, bp);
        GemmKernels.runFloat(m, n, k, ap, bp, c, cOff, ldc);
    }

    private static void fast16(boolean transA, boolean transB, int m, int n, int k, short[] a, int aOff, int lda,
                               short[] b, int bOff, int ldb, int[] c, int cOff, int ldc) {
        int[][] buf = INT_PANELS.get();
        int[] ap = buf[0] = grow(buf[0], GemmPack.pad(m, GemmKernels.MR) * k);
        int[] bp = buf[1] = grow(buf[1], GemmPack.pad(n, GemmKernels.NR) * k);
        GemmPack.packBoth(transA, a, aOff, lda, m, transB, b, bOff, ldb, n, k, ap, bp);
        GemmKernels.runInt(m, n, k, ap, bp, c, cOff, ldc);
    }

    /**
     * Packed panels, reused per calling thread (grow-only) so small products do not pay for
     * allocating and zeroing them on every call; every element a kernel reads is rewritten by the
     * packing, padding included.
     */
    private static final ThreadLocal<float[][]> FLOAT_PANELS = ThreadLocal.withInitial(() -> new float[2][0]);
    private static final ThreadLocal<int[][]> INT_PANELS = ThreadLocal.withInitial(() -> new int[2][0]);

    private static float[] grow(float[] b, int n) {
        return ScratchMemory.floats(b, n);
    }

    private static int[] grow(int[] b, int n) {
        return ScratchMemory.ints(b, n);
    }

    private static void requireNarrow(Accumulator acc) {
        if (acc.exact()) {
            throw new IllegalArgumentException("IntGemm.gemm: accumulator width 64 writes long[]; use gemmExact");
        }
    }

    /** Reduces the 32-bit (mod 2^32) results to the accumulator's width, if narrower. */
    private static void finishWrap(int m, int n, int[] c, int cOff, int ldc, Accumulator acc) {
        if (acc.width() == 32 || acc.overflow() != Overflow.WRAP) {
            return;
        }
        int sh = 32 - acc.width();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int at = cOff + i * ldc + j;
                c[at] = (c[at] << sh) >> sh;
            }
        }
    }

    private static void copy(int m, int n, int[] tmp, long[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c[cOff + i * ldc + j] = tmp[i * n + j];
            }
        }
    }

    /** Row-major widened copy of op(X) with {@code rows x cols}; {@code trans} means X is stored cols x rows. */
    private static int[] widen(boolean trans, byte[] x, int off, int ld, int rows, int cols) {
        int[] w = new int[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < cols; q++) {
                w[r * cols + q] = trans ? x[off + q * ld + r] : x[off + r * ld + q];
            }
        }
        return w;
    }

    private static int[] widen(boolean trans, short[] x, int off, int ld, int rows, int cols) {
        int[] w = new int[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int q = 0; q < cols; q++) {
                w[r * cols + q] = trans ? x[off + q * ld + r] : x[off + r * ld + q];
            }
        }
        return w;
    }

    /**
     * The sequential path: {@code a} is op(A) row-major m x k, {@code bt} is op(B) transposed,
     * row-major n x k. Each output accumulates over p = 0..k-1 in order with the accumulator's
     * overflow applied after every addition (exact for width 64).
     */
    private static void sequential(int m, int n, int k, int[] a, int[] bt, int[] c, int cOff, int ldc,
                                   long[] cl, Accumulator acc) {
        final boolean exact = acc.exact();
        final boolean sat = acc.overflow() == Overflow.SATURATE;
        final int w = acc.width();
        Parallel.forRange(m, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                for (int j = 0; j < n; j++) {
                    long s = 0;
                    int ai = i * k;
                    int bj = j * k;
                    for (int p = 0; p < k; p++) {
                        s += (long) a[ai + p] * bt[bj + p];
                        if (!exact) {
                            s = sat ? ExactRounding.saturate(s, w) : ExactRounding.wrap(s, w, true);
                        }
                    }
                    if (exact) {
                        cl[cOff + i * ldc + j] = s;
                    } else {
                        c[cOff + i * ldc + j] = (int) s;
                    }
                }
            }
        });
    }

    /**
     * The saturating path, SIMD over output columns: {@code a} is op(A) row-major m x k, {@code b}
     * is op(B) row-major k x n. Each lane accumulates its own output over p = 0..k-1 in order;
     * a 32-bit saturating add ({@code SADD}) then a clamp to {@code width} bits equals clamping
     * the exact sum, because the width's range lies inside the 32-bit range and products of
     * int16 values (at most 2^30) are exact ints.
     */
    private static void saturating(int m, int n, int k, int[] a, int[] b, int[] c, int cOff, int ldc, int width) {
        final int hi = width == 32 ? Integer.MAX_VALUE : (1 << (width - 1)) - 1;
        final int lo = -hi - 1;
        final int lanes = I.length();
        Parallel.forRange(m, 4, (from, to) -> {
            for (int i = from; i < to; i++) {
                int ai = i * k;
                int j = 0;
                for (; j + lanes <= n; j += lanes) {
                    IntVector s = IntVector.zero(I);
                    for (int p = 0; p < k; p++) {
                        IntVector prod = IntVector.fromArray(I, b, p * n + j).mul(a[ai + p]);
                        s = s.lanewise(VectorOperators.SADD, prod).max(lo).min(hi);
                    }
                    s.intoArray(c, cOff + i * ldc + j);
                }
                for (; j < n; j++) {
                    long s = 0;
                    for (int p = 0; p < k; p++) {
                        s = Math.max(lo, Math.min(hi, s + (long) a[ai + p] * b[p * n + j]));
                    }
                    c[cOff + i * ldc + j] = (int) s;
                }
            }
        });
    }

    /** {@code max_i sum_p |A(i,p)| * max |B|}: no partial sum of any output can exceed it. */
    static long bound(boolean transA, boolean transB, int m, int n, int k, byte[] a, int aOff, int lda,
                      byte[] b, int bOff, int ldb) {
        long maxRow = 0;
        for (int i = 0; i < m; i++) {
            long s = 0;
            for (int p = 0; p < k; p++) {
                s += Math.abs(transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
            }
            maxRow = Math.max(maxRow, s);
        }
        int maxB = 0;
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                maxB = Math.max(maxB, Math.abs(transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]));
            }
        }
        return maxRow * maxB;
    }

    static long bound(boolean transA, boolean transB, int m, int n, int k, short[] a, int aOff, int lda,
                      short[] b, int bOff, int ldb) {
        long maxRow = 0;
        for (int i = 0; i < m; i++) {
            long s = 0;
            for (int p = 0; p < k; p++) {
                s += Math.abs(transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
            }
            maxRow = Math.max(maxRow, s);
        }
        int maxB = 0;
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                maxB = Math.max(maxB, Math.abs(transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]));
            }
        }
        return maxRow * maxB;
    }

    static void check(boolean transA, boolean transB, int m, int n, int k, int aLen, int aOff, int lda,
                      int bLen, int bOff, int ldb, int cLen, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("IntGemm: sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        }
        operand("A", transA ? k : m, transA ? m : k, aLen, aOff, lda);
        operand("B", transB ? n : k, transB ? k : n, bLen, bOff, ldb);
        operand("C", m, n, cLen, cOff, ldc);
    }

    private static void operand(String name, int rows, int cols, int len, int off, int ld) {
        if (ld < cols || ld < 0) {
            throw new IllegalArgumentException("IntGemm: ld" + name.toLowerCase() + "=" + ld + " is less than the "
                    + cols + " columns of stored " + name + " (" + rows + " x " + cols + ")");
        }
        if (off < 0 || (rows > 0 && cols > 0 && (long) off + (long) (rows - 1) * ld + cols > len)) {
            throw new IllegalArgumentException("IntGemm: " + name + " (" + rows + " x " + cols + ", ld " + ld
                    + ", offset " + off + ") does not fit in an array of length " + len);
        }
    }
}

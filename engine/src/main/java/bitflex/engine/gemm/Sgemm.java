package bitflex.engine.gemm;

import bitflex.engine.memory.ScratchMemory;
import bitflex.engine.parallel.Parallel;

/**
 * Single-precision matrix multiply, row-major, BLAS semantics:
 * {@code C = alpha * op(A) * op(B) + beta * C}, with {@code op(A)} of shape m x k and
 * {@code op(B)} of shape k x n. Without transposition A is m x k with row stride {@code lda >= k};
 * transposed, A is stored k x m with {@code lda >= m} (likewise for B). When {@code beta == 0}, C is
 * overwritten (NaNs already in C do not propagate), as in BLAS.
 *
 * <p>How: BLIS-style. op(B) is packed {@link #KC} rows by {@link #NC} columns (more when k is short)
 * at a time into
 * {@code NR}-wide panels, op(A) {@link #MC} rows by {@code KC} columns into {@code MR}-high panels, and
 * the register-tiled {@link SgemmKernel} runs over the panels (see {@link SgemmPacking}): for each
 * {@code MR}-row panel of A (16 KB with 8 rows, 8 KB with 4; held in L1) it sweeps every
 * {@code NR}-column panel of the B block (held in L2). B is always packed: on Zen 3 (AVX2) the
 * kernel ran faster on packed panels than on a small B read in place with its row stride, and the
 * weight- and input-gradient GEMMs of training, packing included, 13-38% faster on one thread
 * (with the widened B block below; the in-place path had been chosen on Zen 4).
 * A x B^T with a small C and a long k (a convolution's weight gradient) skips packing altogether and
 * runs as dot products ({@link SgemmDot}).
 * Packing buffers are per thread and reused from call to call, so a call allocates nothing once a
 * thread has seen a shape as large.
 *
 * <p>Sizes were chosen on an AMD EPYC Zen 4 (AVX-512, 32 KB L1d and 1 MB L2 per core): the register
 * tile is 8 rows x 2 vectors (16 accumulators), KC = 512 keeps an A micro-panel at 16 KB in L1, and
 * KC x NC = 512 KB of packed B sits in L2. With 16 vector registers (AVX2) the tile is 4 rows
 * ({@link SgemmKernel}); the block sizes are the same (not tuned for a 512 KB L2 such as Zen 3's).
 * When k is short (a weight gradient over a batch of 64), a B block is widened past NC up to
 * {@link #B_BLOCK_FLOATS}: each block of B repacks A, and with k = 64 and NC columns a 784-column B
 * had A packed four times over.
 *
 * <p>Threads: C is cut into a grid of blocks chosen from the shape alone (never from the thread
 * count; {@link #grid} weighs packing an operand twice against two threads sharing cache lines),
 * each block is one task on {@link Parallel}, and every element's sum runs over k in the same
 * fixed order ({@code KC} blocks in order, terms in order within a block). So the result is
 * bit-identical for any number of threads. Problems too small to pay for a fork run as one task on
 * the caller's thread.
 */
public final class Sgemm {
    /** Depth of one packed block (rows of op(B), columns of op(A)). */
    static final int KC = 512;
    /** Rows of op(A) packed at a time. */
    static final int MC = 192;
    /**
     * Columns of op(B) packed at a time, at least: a KC x NC packed block of B (512 KB) stays in L2.
     * A shorter k widens the block up to {@link #B_BLOCK_FLOATS}.
     */
    static final int NC = 256;
    /** A block of B with a short k may be wider than NC, up to this many floats (256 KB). */
    static final int B_BLOCK_FLOATS = 1 << 16;
    /** Below this many flops (2mnk) a multiply runs as one task: the fork would cost more. */
    static final long SERIAL_FLOPS = 1L << 22;
    /** Flops one task should at least carry when a multiply is cut into tasks. */
    static final long TASK_FLOPS = 1L << 23;
    /**
     * Upper bound on tasks. Every task packs its own rows of A and columns of B, so each extra cut
     * packs a matrix once more: at 1024^3, 16 tasks copy 32 MB per call (over 10% of the time on one
     * thread), 4 tasks 16 MB. Four balance 1, 2 or 4 threads exactly.
     */
    static final int MAX_TASKS = 4;

    /**
     * What a row of C cut between two column blocks costs, in floats of packing: the cache line at
     * the cut (Java arrays are not line-aligned) is written by both threads, and the line moves
     * between their cores. Fitted on Zen 3, 2 threads, to the MLP's GEMMs (in one JVM, interleaved
     * every 20 ms): column halves against row halves, with this weight the cheaper cut was the faster
     * one in all five shapes; any value from 190 to 1,100 would have agreed.
     */
    static final int SHARED_LINE_FLOATS = 512;
    private static final int MR = SgemmKernel.MR;
    private static final int NR = SgemmKernel.NR;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Sgemm() {}

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}; see the class comment for shapes and strides.
     *
     * @throws IllegalArgumentException if a size is negative, a leading dimension is too small, an
     *                                  offset is negative, or an array is too short for the shape
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                             float alpha, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        SgemmArgs.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            SgemmArgs.scale(m, n, beta, c, cOff, ldc);
            return;
        }
        long flops = 2L * m * n * k;
        if (SgemmDot.suits(transA, transB, m, n, k)) {
            dotForm(m, n, k, flops, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int rowChunks = 1;
        int colChunks = 1;
        if (flops >= SERIAL_FLOPS) {
            int tasks = (int) Math.min(MAX_TASKS, Math.max(2, Long.highestOneBit(flops / TASK_FLOPS)));
            long grid = grid(m, n, k, tasks);
            rowChunks = (int) (grid >>> 32);
            colChunks = (int) grid;
        }
        int rowsPer = roundUp((m + rowChunks - 1) / rowChunks, MR);
        int colsPer = roundUp((n + colChunks - 1) / colChunks, NR);
        int rc = (m + rowsPer - 1) / rowsPer;
        int cc = (n + colsPer - 1) / colsPer;
        if (rc * cc == 1) {
            block(transA, transB, 0, m, 0, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        Parallel.forEach(rc * cc, t -> {
            int i0 = (t / cc) * rowsPer;
            int j0 = (t % cc) * colsPer;
            block(transA, transB, i0, Math.min(m, i0 + rowsPer), j0, Math.min(n, j0 + colsPer), k,
                    alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        });
    }

    /**
     * The cut of C into {@code rows x cols} blocks (returned as {@code rows << 32 | cols}) for up to
     * {@code tasks} tasks (a power of two), from the shape alone. Each cut has a price, counted in
     * floats copied: one more row of blocks packs op(B) once more ({@code k * n}); one more column of
     * blocks packs op(A) once more ({@code m * k}) and puts a boundary inside every row of C, where
     * two threads write the two halves of one cache line ({@link #SHARED_LINE_FLOATS} per row). The
     * cheapest cut with the most tasks wins; on a tie, rows (each block of C is then one contiguous
     * stretch of memory).
     */
    static long grid(int m, int n, int k, int tasks) {
        int rowUnits = (m + MR - 1) / MR;
        int colUnits = (n + NR - 1) / NR;
        for (int t = tasks; t >= 2; t /= 2) {
            int bestRows = 0;
            long bestCost = Long.MAX_VALUE;
            for (int rows = t; rows >= 1; rows /= 2) {
                int cols = t / rows;
                if (rows > rowUnits || cols > colUnits) {
                    continue;
                }
                long cost = (long) k * n * (rows - 1) + ((long) m * k + (long) SHARED_LINE_FLOATS * m) * (cols - 1);
                if (cost < bestCost) {
                    bestCost = cost;
                    bestRows = rows;
                }
            }
            if (bestRows > 0) {
                return (long) bestRows << 32 | (t / bestRows);
            }
        }
        return 1L << 32 | 1;
    }

    /** Computes the block {@code [i0, i1) x [j0, j1)} of C with this thread's packing buffers. */
    private static void block(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k,
                              float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float beta, float[] c, int cOff, int ldc) {
        Scratch s = SCRATCH.get();
        int kcMax = Math.min(KC, k);
        int ncMax = Math.max(NC, B_BLOCK_FLOATS / kcMax / NR * NR);
        float[] ap = s.a(roundUp(Math.min(MC, i1 - i0), MR) * kcMax);
        float[] bp = s.b(roundUp(Math.min(ncMax, j1 - j0), NR) * kcMax);
        float[] tile = s.tile;
        for (int jc = j0; jc < j1; jc += ncMax) {
            int nc = Math.min(ncMax, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float betaHere = pc == 0 ? beta : 1f;
                SgemmPacking.packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp, s.packWork);
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    SgemmPacking.packA(transA, a, aOff, lda, ic, mc, pc, kc, ap, s.packWork);
                    int cBase = cOff + ic * ldc + jc;
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = Math.min(MR, mc - ir);
                        int ao = ir * kc;
                        for (int jr = 0; jr < nc; jr += NR) {
                            int nr = Math.min(NR, nc - jr);
                            int co = cBase + ir * ldc + jr;
                            SgemmKernel.tile(kc, ap, ao, bp, jr * kc, alpha, betaHere, c, co, ldc, mr, nr, tile);
                        }
                    }
                }
            }
        }
    }

    /** The unpacked dot-product path ({@link SgemmDot}), cut into row blocks fixed by the shape. */
    private static void dotForm(int m, int n, int k, long flops, float alpha, float[] a, int aOff, int lda,
                                float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (flops < SERIAL_FLOPS || m <= SgemmDot.RB) {
            SgemmDot.rows(0, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int blocks = (m + SgemmDot.RB - 1) / SgemmDot.RB;
        int tasks = (int) Math.min(Math.min(MAX_TASKS, blocks), Math.max(2, flops / TASK_FLOPS));
        int rowsPer = (blocks + tasks - 1) / tasks * SgemmDot.RB;
        int count = (m + rowsPer - 1) / rowsPer;
        Parallel.forEach(count, t -> SgemmDot.rows(t * rowsPer, Math.min(m, (t + 1) * rowsPer), n, k,
                alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc));
    }

    private static int roundUp(int x, int unit) {
        return (x + unit - 1) / unit * unit;
    }

    /** One thread's packing buffers, grown on demand and kept for the next call. */
    private static final class Scratch {
        private float[] a = new float[0];
        private float[] b = new float[0];
        final float[] tile = ScratchMemory.floats(new float[0], MR * NR);
        final float[] packWork = ScratchMemory.floats(new float[0], SgemmPacking.PACK_WORK);

        float[] a(int size) {
            return a = ScratchMemory.floats(a, size);
        }

        float[] b(int size) {
            return b = ScratchMemory.floats(b, size);
        }
    }
}

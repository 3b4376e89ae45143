package bitflex.engine.fixed.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.fixed.Overflow;
import bitflex.engine.parallel.Parallel;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Integer GEMM against a scalar {@code long} reference of the accumulator's definition. */
@Tag("simd")
class IntGemmTest {

    /** The definition: sum in increasing p with the accumulator's overflow after every add. */
    static long[] reference(boolean ta, boolean tb, int m, int n, int k, long[] a, int aOff, int lda,
                            long[] b, int bOff, int ldb, Accumulator acc) {
        long[] c = new long[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long s = 0;
                for (int p = 0; p < k; p++) {
                    long av = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    long bv = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                    if (!acc.exact()) {
                        long hi = (1L << (acc.width() - 1)) - 1;
                        if (acc.overflow() == Overflow.SATURATE) {
                            s = Math.max(-hi - 1, Math.min(hi, s));
                        } else {
                            s = (s << (64 - acc.width())) >> (64 - acc.width());
                        }
                    }
                }
                c[i * n + j] = s;
            }
        }
        return c;
    }

    /** Random integers of {@code bits} bits, biased toward the extremes when {@code extreme}. */
    static long[] values(Random r, int n, int bits, int magnitudeBits, boolean extreme) {
        long[] v = new long[n];
        long lo = -(1L << (bits - 1));
        long hi = (1L << (bits - 1)) - 1;
        long mag = (1L << magnitudeBits) - 1;
        for (int i = 0; i < n; i++) {
            long x = extreme && r.nextInt(3) == 0 ? (r.nextBoolean() ? lo : hi) : (long) ((r.nextDouble() * 2 - 1) * mag);
            v[i] = Math.max(lo, Math.min(hi, x));
        }
        return v;
    }

    static byte[] bytes(long[] v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    static short[] shorts(long[] v) {
        short[] s = new short[v.length];
        for (int i = 0; i < v.length; i++) {
            s[i] = (short) v[i];
        }
        return s;
    }

    record Case(int m, int n, int k, boolean ta, boolean tb, boolean int8, Accumulator acc, int magBits, boolean extreme,
                long seed) {}

    static org.quicktheories.core.Gen<Case> cases() {
        return integers().between(0, 40).zip(integers().between(0, 70), integers().between(0, 80),
                        (m, n, k) -> new int[] {m, n, k})
                .zip(integers().between(0, 15), integers().between(15, 33), longs().all(),
                        (mnk, flags, width, seed) -> {
                            boolean int8 = (flags & 4) != 0;
                            int bits = int8 ? 8 : 16;
                            Accumulator acc = width == 33 ? Accumulator.EXACT
                                    : new Accumulator(Math.max(16, width), (flags & 8) != 0 ? Overflow.SATURATE : Overflow.WRAP);
                            Random r = new Random(seed);
                            int mag = 1 + r.nextInt(bits - 1);
                            return new Case(mnk[0], mnk[1], mnk[2], (flags & 1) != 0, (flags & 2) != 0, int8, acc, mag,
                                    r.nextBoolean(), seed);
                        });
    }

    static void check(Case c) {
        Random r = new Random(c.seed());
        int bits = c.int8() ? 8 : 16;
        int aRows = c.ta() ? c.k() : c.m();
        int aCols = c.ta() ? c.m() : c.k();
        int bRows = c.tb() ? c.n() : c.k();
        int bCols = c.tb() ? c.k() : c.n();
        int lda = aCols + r.nextInt(3);
        int ldb = bCols + r.nextInt(3);
        int ldc = c.n() + r.nextInt(3);
        int aOff = r.nextInt(3);
        int bOff = r.nextInt(3);
        int cOff = r.nextInt(3);
        long[] a = values(r, aOff + aRows * lda + 1, bits, c.magBits(), c.extreme());
        long[] b = values(r, bOff + bRows * ldb + 1, bits, c.magBits(), c.extreme());
        long[] ref = reference(c.ta(), c.tb(), c.m(), c.n(), c.k(), a, aOff, lda, b, bOff, ldb, c.acc());
        long[] got = new long[c.m() * c.n()];
        if (c.acc().exact()) {
            long[] cl = new long[cOff + Math.max(0, c.m() * ldc)];
            if (c.int8()) {
                IntGemm.gemmExact(c.ta(), c.tb(), c.m(), c.n(), c.k(), bytes(a), aOff, lda, bytes(b), bOff, ldb, cl, cOff, ldc);
            } else {
                IntGemm.gemmExact(c.ta(), c.tb(), c.m(), c.n(), c.k(), shorts(a), aOff, lda, shorts(b), bOff, ldb, cl, cOff, ldc);
            }
            for (int i = 0; i < c.m(); i++) {
                for (int j = 0; j < c.n(); j++) {
                    got[i * c.n() + j] = cl[cOff + i * ldc + j];
                }
            }
        } else {
            int[] ci = new int[cOff + Math.max(0, c.m() * ldc)];
            java.util.Arrays.fill(ci, 12345);
            if (c.int8()) {
                IntGemm.gemm(c.ta(), c.tb(), c.m(), c.n(), c.k(), bytes(a), aOff, lda, bytes(b), bOff, ldb, ci, cOff, ldc, c.acc());
            } else {
                IntGemm.gemm(c.ta(), c.tb(), c.m(), c.n(), c.k(), shorts(a), aOff, lda, shorts(b), bOff, ldb, ci, cOff, ldc, c.acc());
            }
            for (int i = 0; i < c.m(); i++) {
                for (int j = 0; j < c.n(); j++) {
                    got[i * c.n() + j] = ci[cOff + i * ldc + j];
                }
            }
            if (cOff > 0) {
                assertEquals(12345, ci[0], "wrote before cOff");
            }
        }
        assertArrayEquals(ref, got, c.toString());
    }

    @Test
    void equalsLongReferenceForRandomShapesTransposesAndAccumulators() {
        qt().withExamples(300).forAll(cases()).checkAssert(IntGemmTest::check);
    }

    @Test
    void longReductionsCrossSeveralBlocks() {
        for (boolean int8 : new boolean[] {true, false}) {
            for (Accumulator acc : new Accumulator[] {Accumulator.INT32, Accumulator.EXACT, new Accumulator(24, Overflow.WRAP),
                    Accumulator.INT32_SATURATE}) {
                check(new Case(37, 70, 600, false, true, int8, acc, int8 ? 7 : 15, true, 99));
                check(new Case(9, 33, 1100, true, false, int8, acc, int8 ? 7 : 15, true, 98));
            }
        }
    }

    @Test
    void sameBitsForOneAndTwoThreads() {
        Random r = new Random(3);
        int m = 150;
        int n = 130;
        int k = 300;
        byte[] a8 = bytes(values(r, m * k, 8, 7, true));
        byte[] b8 = bytes(values(r, k * n, 8, 7, true));
        short[] a16 = shorts(values(r, m * k, 16, 15, true));
        short[] b16 = shorts(values(r, k * n, 16, 15, true));
        int before = Parallel.threads();
        try {
            int[][] out = new int[4][m * n];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                IntGemm.gemm(false, false, m, n, k, a8, 0, k, b8, 0, n, out[t - 1], 0, n, Accumulator.INT32);
                IntGemm.gemm(false, false, m, n, k, a16, 0, k, b16, 0, n, out[t + 1], 0, n, new Accumulator(20, Overflow.SATURATE));
            }
            assertArrayEquals(out[0], out[1]);
            assertArrayEquals(out[2], out[3]);
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void accumulatorOverflowFollowsItsMode() {
        byte[] a = {127, 127, 127, 127, -128, -128};
        byte[] b = {127, 127, 127, 127, 127, 127};
        int[] c = new int[1];
        // 4 * 16129 = 64516, then two times -16256: saturating stops at 32767 and comes back down.
        IntGemm.gemm(false, false, 1, 1, 6, a, 0, 6, b, 0, 1, c, 0, 1, new Accumulator(16, Overflow.SATURATE));
        assertEquals(32767 - 2 * 16256, c[0]);
        IntGemm.gemm(false, false, 1, 1, 6, a, 0, 6, b, 0, 1, c, 0, 1, new Accumulator(16, Overflow.WRAP));
        assertEquals((short) (64516 - 2 * 16256), c[0]);
        long[] e = new long[1];
        IntGemm.gemmExact(false, false, 1, 1, 6, a, 0, 6, b, 0, 1, e, 0, 1);
        assertEquals(64516 - 2 * 16256, e[0]);
        short[] a16 = {Short.MIN_VALUE, Short.MIN_VALUE, Short.MIN_VALUE};
        short[] b16 = {Short.MIN_VALUE, Short.MIN_VALUE, Short.MIN_VALUE};
        IntGemm.gemm(false, false, 1, 1, 3, a16, 0, 3, b16, 0, 1, c, 0, 1, Accumulator.INT32_SATURATE);
        assertEquals(Integer.MAX_VALUE, c[0]);
        IntGemm.gemm(false, false, 1, 1, 3, a16, 0, 3, b16, 0, 1, c, 0, 1, Accumulator.INT32);
        assertEquals((int) (3L << 30), c[0]);
        IntGemm.gemmExact(false, false, 1, 1, 3, a16, 0, 3, b16, 0, 1, e, 0, 1);
        assertEquals(3L << 30, e[0]);
    }

    @Test
    void badArgumentsAreReported() {
        var ex = assertThrows(IllegalArgumentException.class, () ->
                IntGemm.gemm(false, false, 2, 2, 3, new byte[5], 0, 3, new byte[6], 0, 2, new int[4], 0, 2, Accumulator.INT32));
        assertEquals(true, ex.getMessage().contains("A (2 x 3"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () ->
                IntGemm.gemm(false, false, 2, 2, 3, new byte[6], 0, 3, new byte[6], 0, 2, new int[4], 0, 2, Accumulator.EXACT));
        assertThrows(IllegalArgumentException.class, () -> new Accumulator(40, Overflow.WRAP));
    }
}

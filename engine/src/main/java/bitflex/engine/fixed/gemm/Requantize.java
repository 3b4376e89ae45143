package bitflex.engine.fixed.gemm;

import bitflex.engine.fixed.ClampStats;
import bitflex.engine.fixed.CounterRng;
import bitflex.engine.fixed.ExactRounding;
import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.FormatConversion;
import bitflex.engine.fixed.Quantizer;
import bitflex.engine.fixed.Rounding;
import bitflex.engine.fixed.Overflow;
import bitflex.engine.parallel.Parallel;
import bitflex.engine.simd.Simd;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rounds accumulator values into an output format: element {@code (i, j)} of an m x n accumulator
 * holds an integer at fractional length {@code accFl + rowFl[i] + colFl[j]} (the row and column
 * terms carry per-channel weight formats; either may be null), and becomes
 * {@code fit(round(acc * 2^(outFl - thatFl)))} with the output quantizer's rounding, overflow and
 * generator (counter = flat output index). Exact ({@link ExactRounding#shiftRound}).
 */
public final class Requantize {
    private static final int ROWS_PER_TASK = 16;
    private static final VectorSpecies<Integer> I = Simd.INT;
    private static final int L = I.length();
    private static final VectorSpecies<Byte> B4 =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, Simd.BITS / 4)));
    private static final VectorSpecies<Short> S2 =
            VectorSpecies.of(short.class, VectorShape.forBitSize(Simd.BITS / 2));
    private static final int SPAN = Math.max(L, B4.length());

    private Requantize() {}

    /** Whether the vector path applies: a right shift of 1..30 bits into a saturating format that fits an int. */
    private static boolean vectorizable(int s, FixedPointFormat f, Quantizer out) {
        return s >= 1 && s <= 30 && out.overflow() == Overflow.SATURATE && !(f.wordLength() == 32 && !f.signed());
    }

    /**
     * The SIMD twin of the scalar loop for one row (32-bit accumulators, right shift {@code s} in
     * 1..30, saturating): {@code q = v >> s} (floor), remainder {@code v & (2^s - 1)}, rounding up
     * decided per mode exactly as {@link ExactRounding#shiftRound}; {@code q + 1} cannot overflow.
     * Covers {@code [0, end)} with end a multiple of the lane count; returns below | above << 32.
     */
    private static long rowVector(int[] acc, int off, int n, int s, FixedPointFormat f, Rounding mode,
                                  int k0, int k1, Object dst) {
        if (n < SPAN) {
            return 0;
        }
        final int mask = (1 << s) - 1;
        final int half = 1 << (s - 1);
        final int maxK = (int) f.maxInt();
        final int minK = (int) f.minInt();
        final int m = mode.ordinal();
        byte[] bd = dst instanceof byte[] b ? b : null;
        short[] sd = dst instanceof short[] h ? h : null;
        int[] id = dst instanceof int[] t ? t : null;
        IntVector iota = IntVector.zero(I).addIndex(1);
        long below = 0;
        long above = 0;
        for (int j = 0; j + SPAN <= n; j += L) {
            IntVector v = IntVector.fromArray(I, acc, off + j);
            IntVector q = v.lanewise(VectorOperators.ASHR, s);
            IntVector rem = v.and(mask);
            VectorMask<Integer> up;
            if (m == 0) {
                up = rem.compare(VectorOperators.GT, half).or(rem.compare(VectorOperators.EQ, half)
                        .and(q.and(1).compare(VectorOperators.NE, 0)));
            } else if (m == 1) {
                up = rem.compare(VectorOperators.GT, half).or(rem.compare(VectorOperators.EQ, half)
                        .and(v.compare(VectorOperators.GE, 0)));
            } else if (m == 2) {
                up = v.compare(VectorOperators.LT, 0).and(rem.compare(VectorOperators.NE, 0));
            } else if (m == 3) {
                up = I.maskAll(false);
            } else {
                IntVector draw = bitflex.engine.fixed.CounterRng.uniform24(iota.add(off + j), k0, k1);
                IntVector frac24 = s >= 24 ? rem.lanewise(VectorOperators.LSHR, s - 24) : rem.lanewise(VectorOperators.LSHL, 24 - s);
                up = frac24.compare(VectorOperators.GE, IntVector.broadcast(I, 1 << 24).sub(draw));
            }
            IntVector r = q.blend(q.add(1), up);
            VectorMask<Integer> hi = r.compare(VectorOperators.GT, maxK);
            VectorMask<Integer> lo = r.compare(VectorOperators.LT, minK);
            above += hi.trueCount();
            below += lo.trueCount();
            r = r.max(minK).min(maxK);
            if (bd != null) {
                ByteVector bv = (ByteVector) r.convertShape(VectorOperators.I2B, B4, 0);
                if (B4.length() == L) {
                    bv.intoArray(bd, off + j);
                } else {
                    bv.intoArray(bd, off + j, B4.indexInRange(0, L));
                }
            } else if (sd != null) {
                ((ShortVector) r.convertShape(VectorOperators.I2S, S2, 0)).intoArray(sd, off + j);
            } else {
                r.intoArray(id, off + j);
            }
        }
        return below | (above << 32);
    }

    /** Requantizes {@code long} accumulator values (the exact or any narrow accumulator). */
    public static ClampStats apply(long[] acc, int m, int n, int accFl, int[] rowFl, int[] colFl, Quantizer out, Object dst) {
        return run(acc, null, m, n, accFl, rowFl, colFl, out, dst);
    }

    /** Requantizes {@code int} accumulator values. */
    public static ClampStats apply(int[] acc, int m, int n, int accFl, int[] rowFl, int[] colFl, Quantizer out, Object dst) {
        return run(null, acc, m, n, accFl, rowFl, colFl, out, dst);
    }

    private static ClampStats run(long[] accL, int[] accI, int m, int n, int accFl, int[] rowFl, int[] colFl,
                                  Quantizer out, Object dst) {
        FixedPointFormat f = out.format();
        Rounding mode = out.rounding();
        long key = CounterRng.key(out.seed(), out.stream());
        int k0 = CounterRng.k0(key);
        int k1 = CounterRng.k1(key);
        int tasks = (m + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        long[] counts = new long[2 * Math.max(1, tasks)];
        Parallel.forEach(tasks, t -> {
            long below = 0;
            long above = 0;
            for (int i = t * ROWS_PER_TASK; i < Math.min(m, (t + 1) * ROWS_PER_TASK); i++) {
                int rowShift = accFl + (rowFl == null ? 0 : rowFl[i]) - f.fracLength();
                int j = 0;
                if (accI != null && colFl == null && vectorizable(rowShift, f, out)) {
                    long bc = rowVector(accI, i * n, n, rowShift, f, mode, k0, k1, dst);
                    below += bc & 0xFFFF_FFFFL;
                    above += bc >>> 32;
                    j = n < SPAN ? 0 : (n - SPAN) / L * L + L;
                }
                for (; j < n; j++) {
                    int at = i * n + j;
                    long v = accL != null ? accL[at] : accI[at];
                    int s = rowShift + (colFl == null ? 0 : colFl[j]);
                    int u = mode == Rounding.STOCHASTIC ? CounterRng.uniform24(at, k0, k1) : 0;
                    long r = ExactRounding.shiftRound(v, s, mode, u);
                    if (r < f.minInt()) {
                        below++;
                    } else if (r > f.maxInt()) {
                        above++;
                    }
                    FormatConversion.set(dst, at, ExactRounding.fit(r, f, out.overflow()));
                }
            }
            counts[2 * t] = below;
            counts[2 * t + 1] = above;
        });
        long below = 0;
        long above = 0;
        for (int t = 0; t < tasks; t++) {
            below += counts[2 * t];
            above += counts[2 * t + 1];
        }
        return new ClampStats(below, above, (long) m * n);
    }
}

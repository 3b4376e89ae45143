package bitflex.engine.fixed.gemm;

import bitflex.engine.fixed.ClampStats;
import bitflex.engine.fixed.CounterRng;
import bitflex.engine.fixed.ExactRounding;
import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.FormatConversion;
import bitflex.engine.fixed.Quantizer;
import bitflex.engine.fixed.Rounding;
import bitflex.engine.parallel.Parallel;

/**
 * Rounds accumulator values into an output format: element {@code (i, j)} of an m x n accumulator
 * holds an integer at fractional length {@code accFl + rowFl[i] + colFl[j]} (the row and column
 * terms carry per-channel weight formats; either may be null), and becomes
 * {@code fit(round(acc * 2^(outFl - thatFl)))} with the output quantizer's rounding, overflow and
 * generator (counter = flat output index). Exact ({@link ExactRounding#shiftRound}).
 */
public final class Requantize {
    private static final int ROWS_PER_TASK = 16;

    private Requantize() {}

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
                for (int j = 0; j < n; j++) {
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

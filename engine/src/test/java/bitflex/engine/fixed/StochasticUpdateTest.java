package bitflex.engine.fixed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.parallel.Parallel;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The stochastic-rounding update of integer weights: against an exact reference, unbiased, thread independent. */
class StochasticUpdateTest {

    /** k + floor(x + j 2^-24), x = -lr g 2^(FLw - FLg) as a double, then the shift, in exact arithmetic. */
    private static long reference(long k, long g, double lr, int flw, int flg, int j, int shift, FixedPointFormat to) {
        long v = raw(k, g, lr, flw, flg, j, shift);
        return Math.max(to.minInt(), Math.min(to.maxInt(), v));
    }

    private static long raw(long k, long g, double lr, int flw, int flg, int j, int shift) {
        double x = -Math.scalb(lr, flw - flg) * g;
        BigDecimal d = new BigDecimal(x).add(BigDecimal.valueOf(j).multiply(FixedTestSupport.pow2(-24))).setScale(0, RoundingMode.FLOOR);
        return new BigDecimal(k).add(d).multiply(FixedTestSupport.pow2(-shift)).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
    }

    @Test
    void applyMatchesTheExactReferenceAndMaxAbsAfterBoundsIt() {
        qt().withExamples(200).forAll(longs().all(), integers().between(0, 40)).checkAssert((seed, n) -> {
            SplittableRandom r = new SplittableRandom(seed);
            int wl = r.nextInt(2, 17);
            FixedPointFormat wf = FixedPointFormat.signed(wl, r.nextInt(-4, 20));
            int flg = r.nextInt(-4, 30);
            double lr = r.nextDouble() * Math.scalb(1.0, r.nextInt(-8, 4));
            Object w = wf.storage().allocate(n);
            short[] g = new short[n];
            for (int i = 0; i < n; i++) {
                FormatConversion.set(w, i, wf.minInt() + r.nextLong(wf.maxInt() - wf.minInt() + 1));
                g[i] = (short) r.nextInt(-32768, 32768);
            }
            Object before = copy(w);
            long stream = r.nextLong();
            long max = StochasticUpdate.maxAbsAfter(wf, w, flg, g, lr, seed, stream);
            int shift = r.nextInt(0, 3);
            FixedPointFormat to = wf.withFracLength(wf.fracLength() - shift);
            StochasticUpdate.apply(wf, w, flg, g, lr, seed, stream, to, w);
            long key = CounterRng.key(seed, stream);
            long refMax = 0;
            for (int i = 0; i < n; i++) {
                long k = FormatConversion.get(before, i, wf);
                int j = CounterRng.uniform24(i, CounterRng.k0(key), CounterRng.k1(key));
                refMax = Math.max(refMax, Math.abs(raw(k, g[i], lr, wf.fracLength(), flg, j, 0)));
                assertEquals(reference(k, g[i], lr, wf.fracLength(), flg, j, shift, to), FormatConversion.get(w, i, to),
                        "element " + i + " of " + wf + " shift " + shift);
            }
            assertEquals(refMax, max);
        });
    }

    @Test
    void anUpdateSmallerThanOneStepSurvivesInExpectation() {
        // 200k weights at 0, each updated by -0.3 steps: nearest rounding would leave them all at 0;
        // stochastic rounding moves a fraction 0.3 of them down by one step.
        int n = 200_000;
        FixedPointFormat wf = FixedPointFormat.signed(8, 8);
        byte[] w = new byte[n];
        byte[] g = new byte[n];
        Arrays.fill(g, (byte) 3);
        double lr = 0.1; // x = -0.1 * 3 * 2^(8 - 8) = -0.3
        StochasticUpdate.apply(wf, w, 8, g, lr, 11, 5, wf, w);
        long sum = 0;
        for (byte b : w) {
            assertTrue(b == 0 || b == -1, "moved by more than one step: " + b);
            sum += b;
        }
        double mean = (double) sum / n;
        double sigma = Math.sqrt(0.3 * 0.7 / n);
        assertEquals(-0.3, mean, 5 * sigma, "mean update in steps");
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        int before = Parallel.threads();
        try {
            int n = 100_003;
            SplittableRandom r = new SplittableRandom(3);
            FixedPointFormat wf = FixedPointFormat.signed(12, 14);
            short[] w0 = new short[n];
            int[] g = new int[n];
            for (int i = 0; i < n; i++) {
                w0[i] = (short) r.nextInt(-2048, 2048);
                g[i] = r.nextInt(-100000, 100000);
            }
            short[][] out = new short[2][];
            long[] max = new long[2];
            for (int t = 1; t <= 2; t++) {
                Parallel.setThreads(t);
                short[] w = w0.clone();
                max[t - 1] = StochasticUpdate.maxAbsAfter(wf, w, 20, g, 0.05, 9, 4);
                StochasticUpdate.apply(wf, w, 20, g, 0.05, 9, 4, wf, w);
                out[t - 1] = w;
            }
            assertEquals(max[0], max[1]);
            assertTrue(Arrays.equals(out[0], out[1]), "1 and 2 threads differ");
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void badArgumentsAreRefused() {
        FixedPointFormat wf = FixedPointFormat.signed(8, 4);
        byte[] w = new byte[3];
        assertThrows(IllegalArgumentException.class, () -> StochasticUpdate.apply(wf, w, 0, new byte[2], 0.1, 0, 0, wf, w));
        assertThrows(IllegalArgumentException.class, () -> StochasticUpdate.apply(wf, w, 0, new byte[3], -1, 0, 0, wf, w));
        assertThrows(IllegalArgumentException.class, () -> StochasticUpdate.apply(wf, w, 0, new float[3], 0.1, 0, 0, wf, w));
        assertThrows(IllegalArgumentException.class,
                () -> StochasticUpdate.apply(FixedPointFormat.unsigned(8, 4), w, 0, new byte[3], 0.1, 0, 0, wf, w));
        assertThrows(IllegalArgumentException.class, () -> StochasticUpdate.apply(wf, new short[3], 0, new byte[3], 0.1, 0, 0, wf, w));
    }

    private static Object copy(Object a) {
        return switch (a) {
            case byte[] b -> b.clone();
            case short[] s -> s.clone();
            case int[] i -> i.clone();
            default -> throw new IllegalArgumentException();
        };
    }
}

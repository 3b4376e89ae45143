package bitflex.engine.fixed;

import static bitflex.engine.fixed.FixedTestSupport.formats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The quantizer's mathematical properties, checked on the SIMD path. */
@Tag("simd")
class QuantizePropertiesTest {
    private static final Rounding[] DETERMINISTIC = {Rounding.NEAREST_EVEN, Rounding.NEAREST_AWAY,
            Rounding.TOWARD_ZERO, Rounding.FLOOR};

    private static long[] quantize(Quantizer q, float[] x) {
        return FixedTestSupport.decode(q.quantize("x", x), q.format());
    }

    private static float[] finite(Random r, int n, FixedPointFormat f) {
        float[] x = FixedTestSupport.values(r, n, f);
        for (int i = 0; i < n; i++) {
            if (Float.isInfinite(x[i])) {
                x[i] = 0f;
            }
        }
        return x;
    }

    @Test
    void idempotentOnTheGrid() {
        // Dequantization is exact for WL <= 24, so a quantized value quantizes to itself.
        qt().withExamples(150).forAll(formats().assuming(f -> f.wordLength() <= 24),
                        arbitrary().pick(DETERMINISTIC), longs().all())
                .checkAssert((f, mode, seed) -> {
                    Quantizer q = Quantizer.of(f).withRounding(mode);
                    float[] x = FixedTestSupport.values(new Random(seed), 70, f);
                    Object k = q.quantize("x", x);
                    float[] back = q.dequantize(k);
                    assertArrayEquals(FixedTestSupport.decode(k, f), quantize(q, back), f + " " + mode);
                    float[] fq = q.fakeQuantize("x", x);
                    assertArrayEquals(fq, q.fakeQuantize("x", fq), "fake-quantize " + f + " " + mode);
                    // Stochastic rounding leaves grid points alone too.
                    assertArrayEquals(FixedTestSupport.decode(k, f), quantize(q.withRounding(Rounding.STOCHASTIC), back));
                });
    }

    @Test
    void monotone() {
        qt().withExamples(150).forAll(formats(), arbitrary().pick(DETERMINISTIC), longs().all())
                .checkAssert((f, mode, seed) -> {
                    float[] x = FixedTestSupport.values(new Random(seed), 70, f);
                    Arrays.sort(x);
                    long[] k = quantize(Quantizer.of(f).withRounding(mode), x);
                    for (int i = 1; i < k.length; i++) {
                        assertTrue(k[i - 1] <= k[i], f + " " + mode + ": q(" + x[i - 1] + ")=" + k[i - 1]
                                + " > q(" + x[i] + ")=" + k[i]);
                    }
                });
    }

    @Test
    void errorBoundsInsideRangeAndSaturationOutside() {
        qt().withExamples(200).forAll(formats(), arbitrary().enumValues(Rounding.class), longs().all())
                .checkAssert((f, mode, seed) -> {
                    float[] x = finite(new Random(seed), 70, f);
                    long[] k = quantize(new Quantizer(f, mode, Overflow.SATURATE, seed, 1), x);
                    double step = f.step();
                    for (int i = 0; i < x.length; i++) {
                        double v = x[i];
                        // Exact error in steps: |k - x * 2^FL| (BigDecimal: a double difference could round).
                        java.math.BigDecimal err = new java.math.BigDecimal(k[i])
                                .subtract(FixedTestSupport.exact(x[i]).multiply(FixedTestSupport.pow2(f.fracLength()))).abs();
                        String where = f + " " + mode + " x=" + v + " k=" + k[i];
                        if (v >= f.minValue() && v <= f.maxValue()) {
                            if (mode == Rounding.NEAREST_EVEN || mode == Rounding.NEAREST_AWAY) {
                                assertTrue(err.compareTo(new java.math.BigDecimal("0.5")) <= 0, where);
                            } else {
                                assertTrue(err.compareTo(java.math.BigDecimal.ONE) < 0, where);
                            }
                        } else if (v > f.maxValue() + step) {
                            assertEquals(f.maxInt(), k[i], where);
                        } else if (v < f.minValue() - step) {
                            assertEquals(f.minInt(), k[i], where);
                        }
                    }
                });
    }

    @Test
    void infinitiesSaturateUnderBothOverflowModes() {
        for (Overflow o : Overflow.values()) {
            FixedPointFormat f = FixedPointFormat.signed(12, -3);
            long[] k = quantize(Quantizer.of(f).withOverflow(o),
                    new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e30f, -1e30f});
            assertEquals(f.maxInt(), k[0]);
            assertEquals(f.minInt(), k[1]);
            if (o == Overflow.SATURATE) {
                assertEquals(f.maxInt(), k[2]);
                assertEquals(f.minInt(), k[3]);
            }
        }
    }

    @Test
    void wrapKeepsLowBits() {
        FixedPointFormat f = FixedPointFormat.signed(8, 0);
        long[] k = quantize(Quantizer.of(f).withOverflow(Overflow.WRAP), new float[] {128f, 129f, -129f, 256f, 300f});
        assertArrayEquals(new long[] {-128, -127, 127, 0, 44}, k);
        FixedPointFormat u = FixedPointFormat.unsigned(4, 0);
        assertArrayEquals(new long[] {0, 1, 15}, quantize(Quantizer.of(u).withOverflow(Overflow.WRAP), new float[] {16f, 17f, -1f}));
    }

    @Test
    void stochasticGivesFloorOrCeiling() {
        qt().withExamples(150).forAll(formats(), longs().all())
                .checkAssert((f, seed) -> {
                    float[] x = finite(new Random(seed), 70, f);
                    long[] k = quantize(new Quantizer(f, Rounding.STOCHASTIC, Overflow.SATURATE, seed, 3), x);
                    long[] lo = quantize(Quantizer.of(f).withRounding(Rounding.FLOOR), x);
                    for (int i = 0; i < x.length; i++) {
                        long ceil = Math.min(f.maxInt(), lo[i] + 1);
                        assertTrue(k[i] == lo[i] || k[i] == ceil, f + " x=" + x[i] + " k=" + k[i] + " floor=" + lo[i]);
                    }
                });
    }

    /**
     * The mean of N stochastic roundings of x has expectation x (bias at most 2^-24 steps from the
     * 24-bit draw) and standard deviation step * sqrt(p(1-p)/N) <= step / (2 sqrt N). We allow
     * 5 standard deviations plus the bias.
     */
    @Test
    void stochasticIsUnbiased() {
        qt().withExamples(40).forAll(integers().between(-20, 20), longs().all())
                .checkAssert((fl, seed) -> {
                    FixedPointFormat f = FixedPointFormat.signed(16, fl);
                    Random r = new Random(seed);
                    double step = f.step();
                    float x = (float) ((r.nextInt(2000) - 1000 + r.nextDouble()) * step);
                    int n = 20_000;
                    float[] xs = new float[n];
                    Arrays.fill(xs, x);
                    long[] k = quantize(new Quantizer(f, Rounding.STOCHASTIC, Overflow.SATURATE, seed, 0), xs);
                    double mean = 0;
                    for (long v : k) {
                        mean += f.value(v);
                    }
                    mean /= n;
                    double p = (x / step) - Math.floor(x / step);
                    double sigma = step * Math.sqrt(p * (1 - p) / n);
                    assertTrue(Math.abs(mean - x) <= 5 * sigma + step * 0x1p-24 + 1e-12 * step,
                            "x=" + x + " mean=" + mean + " sigma=" + sigma + " " + f);
                });
    }

    /**
     * Aims the generator: finds counters whose draw j is small and known, then places values in
     * (-1, 0) so that only an exact comparison rounds them correctly (a float {@code 1 + y} would
     * round onto {@code 1 - u}).
     */
    @Test
    void stochasticIsExactForSmallNegativeValuesAndTinyInputs() {
        long key = CounterRng.key(42, 0);
        int k0 = CounterRng.k0(key);
        int k1 = CounterRng.k1(key);
        FixedPointFormat f = FixedPointFormat.signed(8, 0);
        int found = 0;
        for (int idx = 0; idx < 1 << 22 && found < 6; idx++) {
            int j = CounterRng.uniform24(idx, k0, k1);
            if (j == 0 || j >= 1024) {
                continue;
            }
            found++;
            float u = j * 0x1p-24f;
            int lane = 5;
            float[] x = new float[64];
            x[lane] = -Math.nextUp(u);          // y + u < 0 by a hair: floor is -1
            x[lane + 1] = -u;                   // y + u == 0: rounds up to 0
            x[lane + 2] = -Float.MIN_VALUE;     // tiny negative, j > 0: 0
            Quantizer q = new Quantizer(f, Rounding.STOCHASTIC, Overflow.SATURATE, 42, 0);
            byte[] out = new byte[64];
            q.quantize("x", x, 0, out, 0, 64, idx - lane);
            assertEquals(-1, out[lane], "j=" + j);
            byte[] out2 = new byte[64];
            float[] x2 = new float[64];
            x2[lane] = -u;
            q.quantize("x", x2, 0, out2, 0, 64, idx - lane);
            assertEquals(0, out2[lane], "j=" + j);
            float[] x3 = new float[64];
            x3[lane] = -Float.MIN_VALUE;
            byte[] out3 = new byte[64];
            q.quantize("x", x3, 0, out3, 0, 64, idx - lane);
            assertEquals(0, out3[lane], "tiny, j=" + j);
        }
        assertTrue(found >= 6);
    }
}

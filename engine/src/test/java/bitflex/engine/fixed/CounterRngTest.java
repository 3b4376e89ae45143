package bitflex.engine.fixed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.simd.Simd;
import jdk.incubator.vector.IntVector;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("simd")
class CounterRngTest {
    @Test
    void vectorLanesEqualScalarBits() {
        qt().withExamples(500).forAll(longs().all(), longs().all(), integers().all())
                .checkAssert((seed, stream, base) -> {
                    long key = CounterRng.key(seed, stream);
                    int k0 = CounterRng.k0(key);
                    int k1 = CounterRng.k1(key);
                    IntVector idx = IntVector.zero(Simd.INT).addIndex(1).add(base);
                    int[] lanes = CounterRng.uniform24(idx, k0, k1).toArray();
                    for (int l = 0; l < lanes.length; l++) {
                        assertEquals(CounterRng.uniform24(base + l, k0, k1), lanes[l]);
                        assertEquals(CounterRng.bits(key, base + l) >>> 8, lanes[l]);
                    }
                });
    }

    /** Uniformity: chi-square over 64 bins of 2^18 draws, and streams/seeds that differ. */
    @Test
    void drawsLookUniformAndKeysDiffer() {
        long key = CounterRng.key(1, 2);
        int bins = 64;
        int n = 1 << 18;
        long[] count = new long[bins];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            int j = CounterRng.uniform24(i, CounterRng.k0(key), CounterRng.k1(key));
            count[j >>> 18]++;
            mean += j * 0x1p-24;
        }
        mean /= n;
        double expected = (double) n / bins;
        double chi2 = 0;
        for (long c : count) {
            chi2 += (c - expected) * (c - expected) / expected;
        }
        // 63 degrees of freedom: mean 63, sd ~11.2; 130 is beyond 6 sd.
        assertTrue(chi2 < 130, "chi2=" + chi2);
        // mean of U[0,1): sd 1/sqrt(12 n) ~ 5.6e-4.
        assertTrue(Math.abs(mean - 0.5) < 5 * 5.7e-4, "mean=" + mean);
        assertNotEquals(CounterRng.key(1, 2), CounterRng.key(1, 3));
        assertNotEquals(CounterRng.key(1, 2), CounterRng.key(2, 2));
    }
}

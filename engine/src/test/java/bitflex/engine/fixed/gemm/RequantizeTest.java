package bitflex.engine.fixed.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.fixed.ClampStats;
import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.FormatConversion;
import bitflex.engine.fixed.Overflow;
import bitflex.engine.fixed.Quantizer;
import bitflex.engine.fixed.Rounding;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The SIMD requantization of 32-bit accumulators against the scalar long path. */
@Tag("simd")
class RequantizeTest {
    @Test
    void stochasticRequantizationIsTheSameForOneAndTwoThreads() {
        Random r = new Random(17);
        int m = 70;
        int n = 53;
        int[] acc = new int[m * n];
        for (int i = 0; i < acc.length; i++) {
            acc[i] = r.nextInt(1 << 20) - (1 << 19);
        }
        Quantizer q = new Quantizer(FixedPointFormat.signed(8, 0), Rounding.STOCHASTIC, Overflow.SATURATE, 3, 4);
        int before = bitflex.engine.parallel.Parallel.threads();
        try {
            bitflex.engine.parallel.Parallel.setThreads(1);
            byte[] one = new byte[m * n];
            Requantize.apply(acc, m, n, 13, null, null, q, one);
            bitflex.engine.parallel.Parallel.setThreads(2);
            byte[] two = new byte[m * n];
            Requantize.apply(acc, m, n, 13, null, null, q, two);
            assertArrayEquals(one, two);
        } finally {
            bitflex.engine.parallel.Parallel.setThreads(before);
        }
    }

    @Test
    void vectorRowsEqualScalarPath() {
        qt().withExamples(600).forAll(integers().between(1, 32).zip(integers().between(-8, 40), booleans().all(),
                                (wl, shift, signed) -> new int[] {wl, shift, signed ? 1 : 0}),
                        arbitrary().enumValues(Rounding.class), arbitrary().enumValues(Overflow.class), longs().all())
                .checkAssert((fs, mode, ovf, seed) -> {
                    Random r = new Random(seed);
                    int m = 1 + r.nextInt(5);
                    int n = r.nextInt(90);
                    int outFl = r.nextInt(20) - 10;
                    int accFl = outFl + fs[1];
                    FixedPointFormat f = new FixedPointFormat(fs[0], outFl, fs[2] == 1);
                    Quantizer q = new Quantizer(f, mode, ovf, seed, 5);
                    int[] acc = new int[m * n];
                    long[] accL = new long[m * n];
                    int bits = 1 + r.nextInt(32);
                    for (int i = 0; i < acc.length; i++) {
                        acc[i] = r.nextInt(4) == 0 ? (r.nextBoolean() ? Integer.MAX_VALUE : Integer.MIN_VALUE) : r.nextInt() >> (32 - bits);
                        accL[i] = acc[i];
                    }
                    Object got = f.storage().allocate(m * n);
                    Object want = f.storage().allocate(m * n);
                    ClampStats sg = Requantize.apply(acc, m, n, accFl, null, null, q, got);
                    ClampStats sw = Requantize.apply(accL, m, n, accFl, null, null, q, want);
                    assertEquals(sw, sg, f + " " + mode + " " + ovf + " shift " + fs[1]);
                    for (int i = 0; i < m * n; i++) {
                        assertEquals(FormatConversion.get(want, i, f), FormatConversion.get(got, i, f),
                                f + " " + mode + " " + ovf + " shift " + fs[1] + " acc " + acc[i]);
                    }
                });
    }
}

package bitflex.engine.fixed;

import static bitflex.engine.fixed.FixedTestSupport.formats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.parallel.Parallel;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The SIMD quantizer against its scalar twin and against QPyTorch's semantics computed by an
 * independent exact formula, for the vector width this JVM runs with (the build runs this class
 * at 512, 256 and 128 bits).
 */
@Tag("simd")
class QuantizeSimdTest {

    @Test
    void simdEqualsScalarTwinAndQPyTorchReference() {
        qt().withExamples(400).forAll(formats(), arbitrary().enumValues(Rounding.class),
                        arbitrary().enumValues(Overflow.class), integers().between(0, 150).zip(longs().all(), (n, s) -> new long[] {n, s}))
                .checkAssert((f, mode, ovf, ns) -> {
                    int n = (int) ns[0];
                    Random r = new Random(ns[1]);
                    float[] x = FixedTestSupport.values(r, n + 3, f);
                    int off = r.nextInt(4);
                    int base = r.nextInt(1000);
                    Quantizer q = new Quantizer(f, mode, ovf, ns[1], 7);
                    Object simd = f.storage().allocate(n + 2);
                    ClampStats stats = q.quantize("x", x, off, simd, 1, n, base);
                    int[] twin = new int[n];
                    ClampStats twinStats = QuantizeScalar.quantize("x", x, off, twin, n, f, mode, ovf,
                            CounterRng.key(ns[1], 7), base);
                    assertEquals(twinStats, stats, "clamp statistics");
                    long key = CounterRng.key(ns[1], 7);
                    float[] fake = new float[n];
                    q.fakeQuantize("x", x, off, fake, 0, n, base);
                    for (int i = 0; i < n; i++) {
                        long got = FormatConversion.get(simd, 1 + i, f);
                        long twinK = ExactRounding.decode(twin[i], f);
                        int j = CounterRng.uniform24(base + i, CounterRng.k0(key), CounterRng.k1(key));
                        long ref = FixedTestSupport.reference(x[off + i], f, mode, ovf, j);
                        String where = f + " " + mode + " " + ovf + " x=" + x[off + i] + " (" + Float.toHexString(x[off + i]) + ") i=" + i;
                        assertEquals(twinK, got, "SIMD vs scalar twin, " + where);
                        assertEquals(ref, got, "vs QPyTorch reference, " + where);
                        assertEquals(QuantizeScalar.dequantize(ref, f.fracLength()), fake[i], "fake-quantize, " + where);
                    }
                    float[] back = new float[n];
                    Quantizer.dequantize(f, simd, 1, back, 0, n);
                    for (int i = 0; i < n; i++) {
                        assertEquals((float) Math.scalb((double) FormatConversion.get(simd, 1 + i, f), -f.fracLength()), back[i],
                                "dequantize " + f);
                    }
                });
    }

    @Test
    void sameResultForOneAndTwoThreadsAcrossChunks() {
        FixedPointFormat f = FixedPointFormat.signed(8, 3);
        Random r = new Random(11);
        float[] x = FixedTestSupport.values(r, Quantizer.CHUNK * 2 + 77, f);
        for (Rounding mode : Rounding.values()) {
            Quantizer q = Quantizer.of(f).withRounding(mode).withSeed(5, 9);
            int before = Parallel.threads();
            try {
                Parallel.setThreads(1);
                byte[] one = (byte[]) q.quantize("x", x);
                Parallel.setThreads(2);
                byte[] two = (byte[]) q.quantize("x", x);
                assertArrayEquals(one, two, mode.toString());
            } finally {
                Parallel.setThreads(before);
            }
        }
    }

    @Test
    void nanIsAnErrorNamingTensorAndFirstIndex() {
        float[] x = new float[Quantizer.CHUNK + 100];
        x[Quantizer.CHUNK + 40] = Float.NaN;
        x[Quantizer.CHUNK + 90] = Float.NaN;
        Quantizer q = Quantizer.of(FixedPointFormat.signed(16, 8));
        var e = assertThrows(IllegalArgumentException.class, () -> q.quantize("conv1.weight", x));
        assertTrue(e.getMessage().contains("conv1.weight") && e.getMessage().contains(String.valueOf(Quantizer.CHUNK + 40)),
                e.getMessage());
        float[] small = {1f, 2f, Float.NaN};
        var e2 = assertThrows(IllegalArgumentException.class, () -> q.fakeQuantize("act", small));
        assertTrue(e2.getMessage().contains("act") && e2.getMessage().contains("index 2"), e2.getMessage());
    }

    @Test
    void emptyAndSingleElement() {
        Quantizer q = Quantizer.of(FixedPointFormat.signed(4, 1));
        assertEquals(0, ((byte[]) q.quantize("e", new float[0])).length);
        assertArrayEquals(new byte[] {3}, (byte[]) q.quantize("one", new float[] {1.4f}));
        assertArrayEquals(new byte[] {7}, (byte[]) q.quantize("sat", new float[] {Float.POSITIVE_INFINITY}));
    }
}

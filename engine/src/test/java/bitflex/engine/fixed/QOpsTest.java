package bitflex.engine.fixed;

import static bitflex.engine.fixed.FixedTestSupport.formats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.longs;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QOpsTest {
    private static QTensor random(FixedPointFormat f, Random r, int... shape) {
        int n = QTensor.sizeOf(shape);
        Object st = f.storage().allocate(n);
        for (int i = 0; i < n; i++) {
            FormatConversion.set(st, i, f.minInt() + (long) (r.nextDouble() * (f.maxInt() - f.minInt() + 1)));
        }
        return QTensor.of(f, st, shape);
    }

    @Test
    void addSubMulAreExactThenRoundedOnce() {
        qt().withExamples(250).forAll(formats(), formats(), formats(),
                        arbitrary().enumValues(Rounding.class).zip(arbitrary().enumValues(Overflow.class), longs().all(),
                                (m, o, s) -> new Object[] {m, o, s}))
                .checkAssert((fa, fb, fo, mos) -> {
                    Rounding mode = (Rounding) mos[0];
                    Overflow ovf = (Overflow) mos[1];
                    long seed = (Long) mos[2];
                    Random r = new Random(seed);
                    QTensor a = random(fa, r, 3, 7);
                    QTensor b = random(fb, r, 3, 7);
                    Quantizer q = new Quantizer(fo, mode, ovf, seed, 4);
                    long key = CounterRng.key(seed, 4);
                    QTensor sum = QOps.add(a, b, q);
                    QTensor diff = QOps.sub(a, b, q);
                    QTensor prod = QOps.mul(a, b, q);
                    for (int i = 0; i < a.size(); i++) {
                        int j = CounterRng.uniform24(i, CounterRng.k0(key), CounterRng.k1(key));
                        BigDecimal va = ExactRounding.exact(java.math.BigInteger.valueOf(a.get(i)), fa.fracLength());
                        BigDecimal vb = ExactRounding.exact(java.math.BigInteger.valueOf(b.get(i)), fb.fracLength());
                        BigDecimal scale = FixedTestSupport.pow2(fo.fracLength());
                        String where = fa + " " + fb + " -> " + fo + " " + mode + " " + ovf + " a=" + a.get(i) + " b=" + b.get(i);
                        assertEquals(FormatConversionTest.referenceFromReal(va.add(vb).multiply(scale), fo, mode, ovf, j), sum.get(i), "add " + where);
                        assertEquals(FormatConversionTest.referenceFromReal(va.subtract(vb).multiply(scale), fo, mode, ovf, j), diff.get(i), "sub " + where);
                        assertEquals(FormatConversionTest.referenceFromReal(va.multiply(vb).multiply(scale), fo, mode, ovf, j), prod.get(i), "mul " + where);
                    }
                });
    }

    @Test
    void reluAndMaxPoolOnIntegers() {
        FixedPointFormat f = FixedPointFormat.signed(6, 2);
        byte[] x = {-3, 5, 0, -32, 31, 2, 2, -1};
        assertArrayEquals(new byte[] {0, 5, 0, 0, 31, 2, 2, 0}, (byte[]) QOps.relu(QTensor.of(f, x, 8)).storage());
        // 1 x 1 x 4 x 4, 2x2 windows stride 2
        short[] img = {1, 2, -5, 0,
                       3, 3, 7, -1,
                       -2, -9, 4, 4,
                       -3, -8, 4, 1};
        int[] arg = new int[4];
        QTensor p = QOps.maxPool2d(QTensor.of(FixedPointFormat.signed(12, 0), img, 1, 1, 4, 4), 2, 2, arg);
        assertArrayEquals(new short[] {3, 7, -2, 4}, (short[]) p.storage());
        assertArrayEquals(new int[] {4, 6, 8, 10}, arg);
        assertArrayEquals(new int[] {1, 1, 2, 2}, p.shape());
    }

    @Test
    void shapeMismatchNamesOpAndShapes() {
        FixedPointFormat f = FixedPointFormat.signed(8, 0);
        var e = assertThrows(IllegalArgumentException.class,
                () -> QOps.add(QTensor.zeros(f, 2, 3), QTensor.zeros(f, 3, 2), Quantizer.of(f)));
        assertEquals("add: shapes differ, [2, 3] vs [3, 2]", e.getMessage());
    }

    @Test
    void perChannelQuantizeAndDequantize() {
        float[] w = {0.5f, -0.25f, 3f, 100f, 0.001f, -7f};
        QTensor q = QTensor.quantizePerChannel("w", w, new int[] {2, 3}, Quantizer.of(FixedPointFormat.signed(8, 0)), new int[] {4, 0});
        assertArrayEquals(new float[] {0.5f, -0.25f, 3f, 100f, 0f, -7f}, q.dequantize());
        assertEquals(0, q.clampStats().clamped());
        assertEquals(4, q.fracLengthAt(2));
        assertEquals(0, q.fracLengthAt(3));
    }
}

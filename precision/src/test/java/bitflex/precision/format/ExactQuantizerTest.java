package bitflex.precision.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.floats;
import static org.quicktheories.generators.SourceDSL.integers;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import org.junit.jupiter.api.Test;

class ExactQuantizerTest {

    /** Independent reference: exact decimal arithmetic, half-even, then clamp. */
    private static long reference(float x, LayerFormat f) {
        if (x == Float.POSITIVE_INFINITY) return f.maxCode();
        if (x == Float.NEGATIVE_INFINITY) return f.minCode();
        BigDecimal scaled = new BigDecimal(x);
        int fl = f.fracLength();
        scaled = fl >= 0 ? scaled.multiply(new BigDecimal(BigInteger.TWO.pow(fl)))
                : scaled.divide(new BigDecimal(BigInteger.TWO.pow(-fl)));
        BigInteger k = scaled.setScale(0, RoundingMode.HALF_EVEN).toBigIntegerExact();
        k = k.max(BigInteger.valueOf(f.minCode())).min(BigInteger.valueOf(f.maxCode()));
        return k.longValueExact();
    }

    @Test
    void codeEqualsExactDecimalReference() {
        qt().withExamples(3000)
                .forAll(floats().any(), integers().between(1, 32), integers().between(-64, 64))
                .assuming((x, wl, fl) -> !Float.isNaN(x))
                .checkAssert((x, wl, fl) -> {
                    LayerFormat f = new LayerFormat(wl, fl);
                    assertEquals(reference(x, f), ExactQuantizer.code(x, f), () -> x + " in " + f);
                });
    }

    @Test
    void tiesGoToEven() {
        LayerFormat f = new LayerFormat(8, 1);
        assertEquals(0.0, ExactQuantizer.quantize(0.25f, f));
        assertEquals(1.0, ExactQuantizer.quantize(0.75f, f));
        assertEquals(-1.0, ExactQuantizer.quantize(-0.75f, f));
        assertEquals(63.5, ExactQuantizer.quantize(1e9f, f));
        assertEquals(-64.0, ExactQuantizer.quantize(Float.NEGATIVE_INFINITY, f));
    }

    @Test
    void nanIsNamedByIndex() {
        double[] out = new double[3];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ExactQuantizer.quantize("w", new float[] {1f, Float.NaN, 2f}, new LayerFormat(8, 4), out));
        assertEquals("ExactQuantizer: w[1] is NaN", e.getMessage());
    }

    @Test
    void formatRejectsOutOfRangeFields() {
        assertThrows(IllegalArgumentException.class, () -> new LayerFormat(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new LayerFormat(33, 0));
        assertThrows(IllegalArgumentException.class, () -> new LayerFormat(8, 65));
        assertEquals(-128, new LayerFormat(8, 0).minCode());
        assertEquals(127, new LayerFormat(8, 0).maxCode());
        assertEquals(0.0625, new LayerFormat(8, 4).step());
    }
}

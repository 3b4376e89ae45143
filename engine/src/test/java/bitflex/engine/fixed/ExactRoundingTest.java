package bitflex.engine.fixed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import org.junit.jupiter.api.Test;

/** The integer rounding core against BigDecimal arithmetic. */
class ExactRoundingTest {
    private static long reference(long p, int s, Rounding mode, int j) {
        BigDecimal y = new BigDecimal(BigInteger.valueOf(p)).multiply(FixedTestSupport.pow2(-s));
        BigDecimal r = switch (mode) {
            case NEAREST_EVEN -> y.setScale(0, RoundingMode.HALF_EVEN);
            case NEAREST_AWAY -> y.setScale(0, RoundingMode.HALF_UP);
            case TOWARD_ZERO -> y.setScale(0, RoundingMode.DOWN);
            case FLOOR -> y.setScale(0, RoundingMode.FLOOR);
            case STOCHASTIC -> y.add(BigDecimal.valueOf(j).multiply(FixedTestSupport.pow2(-24))).setScale(0, RoundingMode.FLOOR);
        };
        return r.toBigIntegerExact().longValueExact();
    }

    @Test
    void rightShiftsMatchBigDecimal() {
        qt().withExamples(3000).forAll(longs().between(-(1L << 62) + 1, (1L << 62) - 1).mix(longs().between(-5000, 5000)),
                        integers().between(1, 140), arbitrary().enumValues(Rounding.class), integers().between(0, (1 << 24) - 1))
                .checkAssert((p, s, mode, j) -> assertEquals(reference(p, s, mode, j), ExactRounding.shiftRound(p, s, mode, j),
                        "p=" + p + " s=" + s + " " + mode + " j=" + j));
    }

    @Test
    void leftShiftsAreExactOrCongruentAndHuge() {
        qt().withExamples(2000).forAll(longs().between(-(1L << 40), 1L << 40), integers().between(0, 140))
                .checkAssert((p, t) -> {
                    long r = ExactRounding.shiftRound(p, -t, Rounding.NEAREST_EVEN, 0);
                    BigInteger exact = BigInteger.valueOf(p).shiftLeft(t);
                    if (exact.abs().bitLength() < 40) {
                        assertEquals(exact.longValueExact(), r);
                    } else {
                        assertEquals(exact.signum(), Long.signum(r));
                        assertEquals(true, Math.abs(r) >= (1L << 33));
                        assertEquals(exact.mod(BigInteger.ONE.shiftLeft(32)).longValue(), r & 0xFFFF_FFFFL);
                    }
                });
    }

    @Test
    void fitSaturatesOrWraps() {
        FixedPointFormat s8 = FixedPointFormat.signed(8, 0);
        assertEquals(127, ExactRounding.fit(1000, s8, Overflow.SATURATE));
        assertEquals(-128, ExactRounding.fit(-1000, s8, Overflow.SATURATE));
        assertEquals(-24, ExactRounding.fit(1000, s8, Overflow.WRAP));
        FixedPointFormat u32 = FixedPointFormat.unsigned(32, 0);
        assertEquals(0xFFFF_FFFFL, ExactRounding.fit(-1, u32, Overflow.WRAP));
        assertEquals(0, ExactRounding.fit(-1, u32, Overflow.SATURATE));
    }
}

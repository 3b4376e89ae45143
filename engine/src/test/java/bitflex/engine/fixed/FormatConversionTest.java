package bitflex.engine.fixed;

import static bitflex.engine.fixed.FixedTestSupport.formats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Converting between formats equals quantizing the exact value with the target's modes. */
class FormatConversionTest {
    @Test
    void conversionEqualsRequantizingTheExactValue() {
        qt().withExamples(300).forAll(formats(), formats(), arbitrary().enumValues(Rounding.class),
                        arbitrary().enumValues(Overflow.class).zip(longs().all(), (o, s) -> new Object[] {o, s}))
                .checkAssert((from, to, mode, os) -> {
                    Overflow ovf = (Overflow) os[0];
                    long seed = (Long) os[1];
                    Random r = new Random(seed);
                    int n = 40;
                    Object src = from.storage().allocate(n);
                    for (int i = 0; i < n; i++) {
                        long k = from.minInt() + (long) (r.nextDouble() * (from.maxInt() - from.minInt() + 1));
                        FormatConversion.set(src, i, k);
                    }
                    Quantizer q = new Quantizer(to, mode, ovf, seed, 2);
                    Object dst = FormatConversion.convert(from, src, q);
                    long key = CounterRng.key(seed, 2);
                    for (int i = 0; i < n; i++) {
                        long k = FormatConversion.get(src, i, from);
                        int j = CounterRng.uniform24(i, CounterRng.k0(key), CounterRng.k1(key));
                        java.math.BigDecimal y = new java.math.BigDecimal(k).multiply(FixedTestSupport.pow2(to.fracLength() - from.fracLength()));
                        long ref = referenceFromReal(y, to, mode, ovf, j);
                        assertEquals(ref, FormatConversion.get(dst, i, to), from + " -> " + to + " " + mode + " " + ovf + " k=" + k);
                    }
                });
    }

    static long referenceFromReal(java.math.BigDecimal y, FixedPointFormat f, Rounding mode, Overflow ovf, int j) {
        java.math.BigDecimal r = switch (mode) {
            case NEAREST_EVEN -> y.setScale(0, java.math.RoundingMode.HALF_EVEN);
            case NEAREST_AWAY -> y.setScale(0, java.math.RoundingMode.HALF_UP);
            case TOWARD_ZERO -> y.setScale(0, java.math.RoundingMode.DOWN);
            case FLOOR -> y.setScale(0, java.math.RoundingMode.FLOOR);
            case STOCHASTIC -> y.add(java.math.BigDecimal.valueOf(j).multiply(FixedTestSupport.pow2(-24)))
                    .setScale(0, java.math.RoundingMode.FLOOR);
        };
        java.math.BigInteger k = r.toBigIntegerExact();
        if (ovf == Overflow.SATURATE) {
            return k.max(java.math.BigInteger.valueOf(f.minInt())).min(java.math.BigInteger.valueOf(f.maxInt())).longValueExact();
        }
        java.math.BigInteger mod = java.math.BigInteger.ONE.shiftLeft(f.wordLength());
        java.math.BigInteger w = k.mod(mod);
        if (f.signed() && w.testBit(f.wordLength() - 1)) {
            w = w.subtract(mod);
        }
        return w.longValueExact();
    }
}

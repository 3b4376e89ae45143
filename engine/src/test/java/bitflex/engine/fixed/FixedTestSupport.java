package bitflex.engine.fixed;

import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Random;
import org.quicktheories.core.Gen;

/** Generators and independent reference formulas shared by the fixed-point tests. */
final class FixedTestSupport {
    private FixedTestSupport() {}

    /** Any valid format: WL 1..32, FL -64..64, signed or not. */
    static Gen<FixedPointFormat> formats() {
        return integers().between(1, 32).zip(integers().between(-64, 64), booleans().all(),
                (wl, fl, s) -> new FixedPointFormat(wl, fl, s));
    }

    /**
     * {@code n} floats that exercise a format: grid points, half-way points, points a hair off
     * them, values near and beyond both range ends, zeros, infinities, subnormals, huge values
     * and random bit patterns.
     */
    static float[] values(Random r, int n, FixedPointFormat f) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = value(r, f);
        }
        return v;
    }

    static float value(Random r, FixedPointFormat f) {
        int fl = f.fracLength();
        long span = f.maxInt() - f.minInt();
        long k = f.minInt() + (long) (r.nextDouble() * (span + 1));
        switch (r.nextInt(12)) {
            case 0: return (float) Math.scalb((double) k, -fl);
            case 1: return (float) Math.scalb(k + 0.5, -fl);
            case 2: {
                float g = (float) Math.scalb((double) k, -fl);
                return r.nextBoolean() ? Math.nextUp(g) : Math.nextDown(g);
            }
            case 3: {
                float h = (float) Math.scalb(k + 0.5, -fl);
                return r.nextBoolean() ? Math.nextUp(h) : Math.nextDown(h);
            }
            case 4: return (float) Math.scalb((r.nextBoolean() ? f.maxInt() : f.minInt()) + r.nextGaussian() * 3, -fl);
            case 5: return (float) Math.scalb(r.nextGaussian() * 4 * Math.max(1, span), -fl);
            case 6: {
                float[] special = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                        -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MAX_VALUE, Float.MAX_VALUE, 0.5f, -0.5f, 1.5f, -2.5f};
                return special[r.nextInt(special.length)];
            }
            case 7: {
                float x;
                do {
                    x = Float.intBitsToFloat(r.nextInt());
                } while (Float.isNaN(x));
                return x;
            }
            case 8: return (float) Math.scalb(r.nextDouble() - 0.5, -fl);
            case 9: return (float) Math.scalb(r.nextGaussian(), r.nextInt(300) - 150);
            default: return (float) Math.scalb(r.nextGaussian() * (span + 1) / 2, -fl);
        }
    }

    /** Exact value of a finite float. */
    static BigDecimal exact(float x) {
        return new BigDecimal(x);
    }

    /** {@code 2^e} exactly. */
    static BigDecimal pow2(int e) {
        BigDecimal two = e >= 0 ? new BigDecimal(BigInteger.ONE.shiftLeft(e))
                : BigDecimal.ONE.divide(new BigDecimal(BigInteger.ONE.shiftLeft(-e)));
        return two;
    }

    /**
     * QPyTorch's documented {@code fixed_point_quantize} on one element, by an independent formula:
     * {@code y = x * 2^FL}; nearest = half-to-even of y; stochastic = floor(y + u); other modes as
     * their names say; then clamp (saturate) or wrap. Returns the integer k.
     */
    static long reference(float x, FixedPointFormat f, Rounding mode, Overflow overflow, int j) {
        if (Float.isInfinite(x)) {
            return x > 0 ? f.maxInt() : f.minInt();
        }
        BigDecimal y = exact(x).multiply(pow2(f.fracLength()));
        BigDecimal r = switch (mode) {
            case NEAREST_EVEN -> y.setScale(0, RoundingMode.HALF_EVEN);
            case NEAREST_AWAY -> y.setScale(0, RoundingMode.HALF_UP);
            case TOWARD_ZERO -> y.setScale(0, RoundingMode.DOWN);
            case FLOOR -> y.setScale(0, RoundingMode.FLOOR);
            case STOCHASTIC -> y.add(BigDecimal.valueOf(j).multiply(pow2(-24))).setScale(0, RoundingMode.FLOOR);
        };
        BigInteger k = r.toBigIntegerExact();
        BigInteger lo = BigInteger.valueOf(f.minInt());
        BigInteger hi = BigInteger.valueOf(f.maxInt());
        if (overflow == Overflow.SATURATE) {
            return k.max(lo).min(hi).longValueExact();
        }
        BigInteger mod = BigInteger.ONE.shiftLeft(f.wordLength());
        BigInteger w = k.mod(mod);
        if (f.signed() && w.testBit(f.wordLength() - 1)) {
            w = w.subtract(mod);
        }
        return w.longValueExact();
    }

    /** Decoded integers of a storage array. */
    static long[] decode(Object storage, FixedPointFormat f) {
        int n = Quantizer.lengthOf(storage);
        long[] k = new long[n];
        for (int i = 0; i < n; i++) {
            k[i] = FormatConversion.get(storage, i, f);
        }
        return k;
    }
}

package bitflex.engine.fixed;

/**
 * Exact rounding of {@code p * 2^-s} to an integer, and fitting an integer into a format, in
 * {@code long} arithmetic. This is the scalar reference every kernel is checked against, and the
 * requantization step of the integer kernels.
 *
 * <p>Inputs satisfy {@code |p| < 2^62} (a product of two 31-bit integers, a 24-bit float
 * significand, or an accumulator). No step rounds anything except the final mode.
 */
public final class ExactRounding {
    /**
     * Magnitude used for results too large for any 32-bit format: such results are returned as
     * {@code sign * 2^40 + (R mod 2^32)} so that saturation sees them as out of range and wrapping
     * keeps their exact low 32 bits.
     */
    private static final long HUGE = 1L << 40;

    private ExactRounding() {}

    /**
     * Rounds the real number {@code p * 2^-s} to an integer with {@code mode}. For stochastic
     * rounding {@code j} is the 24-bit draw ({@code u = j * 2^-24}); other modes ignore it.
     *
     * <p>The result is exact when its magnitude is below 2^40. Larger results (only possible for
     * left shifts, {@code s < 0}) come back congruent to the true value modulo 2^32 with magnitude
     * at least 2^33 and the true sign, which is all {@link #fit} needs.
     */
    public static long shiftRound(long p, int s, Rounding mode, int j) {
        if (s <= 0) {
            return shiftLeft(p, -s);
        }
        if (s >= 64) {
            // |p * 2^-s| < 2^62 / 2^64 = 1/4: the floor is 0 or -1 and nearest/truncation give 0.
            long q = p < 0 ? -1 : 0;
            return switch (mode) {
                case NEAREST_EVEN, NEAREST_AWAY, TOWARD_ZERO -> 0;
                case FLOOR -> q;
                case STOCHASTIC -> {
                    // floor(rem / 2^(s-24)) with rem = p mod 2^s, written without forming rem.
                    int sh = Math.min(s - 24, 63);
                    long frac24 = p >= 0 ? (p >> sh) : (1L << 24) + (p >> sh);
                    yield frac24 >= (1L << 24) - j ? q + 1 : q;
                }
            };
        }
        long q = p >> s;                 // floor(p / 2^s)
        long rem = p - (q << s);         // p mod 2^s in [0, 2^s), read as unsigned (s = 63)
        return switch (mode) {
            case FLOOR -> q;
            case TOWARD_ZERO -> (p < 0 && rem != 0) ? q + 1 : q;
            case NEAREST_EVEN -> {
                int c = Long.compareUnsigned(rem, 1L << (s - 1));
                yield (c > 0 || (c == 0 && (q & 1) != 0)) ? q + 1 : q;
            }
            case NEAREST_AWAY -> {
                int c = Long.compareUnsigned(rem, 1L << (s - 1));
                yield (c > 0 || (c == 0 && p >= 0)) ? q + 1 : q;
            }
            case STOCHASTIC -> {
                // Round up iff frac + u >= 1, frac = rem / 2^s, u = j / 2^24; with an integer
                // right-hand side this is floor(frac * 2^24) >= 2^24 - j.
                long frac24 = s >= 24 ? (rem >>> (s - 24)) : (rem << (24 - s));
                yield frac24 >= (1L << 24) - j ? q + 1 : q;
            }
        };
    }

    private static long shiftLeft(long p, int t) {
        if (p == 0 || t == 0) {
            return p;
        }
        if (t < 62 && Math.abs(p) < (HUGE >> t)) {
            return p << t;
        }
        long low32 = t >= 64 ? 0 : (p << t) & 0xFFFF_FFFFL;
        return p > 0 ? HUGE + low32 : -HUGE + low32;
    }

    /**
     * Rounds an exact real {@code y} (as a {@code BigDecimal}) to an integer with {@code mode},
     * then clamps it to {@code [-2^40, 2^40]} keeping it congruent modulo 2^32 (as
     * {@link #shiftRound} does), so {@link #fit} can finish. The slow but obviously exact path,
     * used where operands are too wide for {@code long} arithmetic.
     */
    public static long roundExact(java.math.BigDecimal y, Rounding mode, int j) {
        java.math.BigDecimal r = switch (mode) {
            case NEAREST_EVEN -> y.setScale(0, java.math.RoundingMode.HALF_EVEN);
            case NEAREST_AWAY -> y.setScale(0, java.math.RoundingMode.HALF_UP);
            case TOWARD_ZERO -> y.setScale(0, java.math.RoundingMode.DOWN);
            case FLOOR -> y.setScale(0, java.math.RoundingMode.FLOOR);
            case STOCHASTIC -> y.add(new java.math.BigDecimal(j).divide(java.math.BigDecimal.valueOf(1L << 24)))
                    .setScale(0, java.math.RoundingMode.FLOOR);
        };
        java.math.BigInteger k = r.toBigIntegerExact();
        if (k.bitLength() < 40) {
            return k.longValue();
        }
        long low32 = k.longValue() & 0xFFFF_FFFFL;
        return k.signum() > 0 ? HUGE + low32 : -HUGE + low32;
    }

    /** The exact real {@code k * 2^-fl} as a BigDecimal. */
    public static java.math.BigDecimal exact(java.math.BigInteger k, int fl) {
        java.math.BigDecimal v = new java.math.BigDecimal(k);
        return fl >= 0 ? v.divide(new java.math.BigDecimal(java.math.BigInteger.ONE.shiftLeft(fl)))
                : v.multiply(new java.math.BigDecimal(java.math.BigInteger.ONE.shiftLeft(-fl)));
    }

    /** Whether a rounded integer lies outside the format's range (it saturated or wrapped). */
    public static boolean outOfRange(long r, FixedPointFormat f) {
        return r < f.minInt() || r > f.maxInt();
    }

    /** Fits a rounded integer into the format: clamps (SATURATE) or keeps the low WL bits (WRAP). */
    public static long fit(long r, FixedPointFormat f, Overflow overflow) {
        if (overflow == Overflow.SATURATE) {
            return Math.max(f.minInt(), Math.min(f.maxInt(), r));
        }
        return wrap(r, f.wordLength(), f.signed());
    }

    /** The low {@code bits} bits of {@code r}, sign-extended when {@code signed}. */
    public static long wrap(long r, int bits, boolean signed) {
        return signed ? (r << (64 - bits)) >> (64 - bits) : r & (-1L >>> (64 - bits));
    }

    /** Saturates {@code r} to the signed range of {@code bits} bits. */
    public static long saturate(long r, int bits) {
        long hi = (1L << (bits - 1)) - 1;
        return Math.max(-hi - 1, Math.min(hi, r));
    }

    /**
     * The raw storage bits of an in-range integer {@code k} of a format: what goes into the
     * {@code byte[]}/{@code short[]}/{@code int[]} element (unsigned formats keep their bit pattern).
     */
    public static int toStorageBits(long k) {
        return (int) k;
    }

    /** Decodes a stored element back to its integer (sign- or zero-extending). */
    public static long decode(int raw, FixedPointFormat f) {
        return switch (f.storage()) {
            case BYTE -> f.signed() ? (byte) raw : raw & 0xFF;
            case SHORT -> f.signed() ? (short) raw : raw & 0xFFFF;
            case INT -> f.signed() ? raw : raw & 0xFFFF_FFFFL;
        };
    }
}

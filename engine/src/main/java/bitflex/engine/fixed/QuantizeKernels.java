package bitflex.engine.fixed;

import bitflex.engine.simd.Simd;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD quantize / dequantize / fake-quantize on float32 lanes, bit-identical to
 * {@link QuantizeScalar}. Tails run the scalar twin.
 *
 * <h2>Why float32 lanes are exact here</h2>
 * <ol>
 * <li>{@code y = x * 2^FL} is a float multiplied by a power of two: exact unless it overflows
 * (then {@code |y| > 2^127}, far outside every 32-bit range: saturating gives the right end, and
 * wrapping gives 0 because such a value is a multiple of 2^33; wrapping therefore tests the
 * <i>input</i> for infinity, not {@code y}) or drops below 2^-126 (subnormal or zero, possibly
 * inexact). In that last case every mode's answer depends only on the sign of {@code x}
 * ({@code |y| < 2^-126} is less than any stochastic step 2^-24), so {@code y} is replaced by
 * {@code ±2^-100}, a normal float with the same answer.</li>
 * <li>{@code rint(t)} for {@code 0 <= t < 2^23} is {@code (t + 2^23) - 2^23}: the sum lies in
 * {@code [2^23, 2^24)} where the float spacing is 1, so the hardware's round-half-even picks the
 * nearest integer (2^23 is even, so parity is kept); for {@code t >= 2^23} t is already an
 * integer. Negative values use {@code rint(-t) = -rint(t)}.</li>
 * <li>{@code t - rint(t)}, {@code r - 1}, {@code r + 1} are exact: all are multiples of the
 * spacing of {@code t} with at most 24 significant bits.</li>
 * <li>Stochastic: up iff {@code y - floor(y) >= 1 - u}. {@code 1 - u} is exact ({@code u} is a
 * multiple of 2^-24 below 1). {@code y - floor(y)} is exact for {@code y >= 0} and for
 * {@code y <= -1} (spacing of y at least 2^-23 there), but not for {@code -1 < y < 0}
 * ({@code 1 - |y|} may need more than 24 bits); there the test is rewritten as
 * {@code u >= -y}, exact.</li>
 * <li>Saturation compares the integer-valued {@code r} with powers of two ({@code 2^(WL-1)},
 * {@code 2^WL}, {@code -2^(WL-1)}), all exact floats; F2I of an in-range r is exact, except the
 * upper half of unsigned WL=32, which is shifted down by 2^31 first (exact by Sterbenz).</li>
 * <li>Wrap: {@code h = trunc(r / 2^32)}, {@code d = r - h * 2^32} is a multiple of the spacing
 * of r no larger than |r|, hence exact; folded into {@code [-2^31, 2^31)} by ±2^32 (again exact)
 * it converts exactly to an int whose low WL bits are kept.</li>
 * <li>Dequantize of WL > 24 integers: {@code float(k >> 8) * 256 + float(k & 255)} adds two
 * exact floats, so the one rounding is the correct rounding of k, as {@code (float) k} is.</li>
 * </ol>
 */
final class QuantizeKernels {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final VectorSpecies<Integer> I = Simd.INT;
    private static final int L = I.length();
    /** Bytes with as many lanes as an int vector (at 128 bits: 8 lanes, of which 4 are used). */
    private static final VectorSpecies<Byte> B4 =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, Simd.BITS / 4)));
    /** Shorts with as many lanes as an int vector. */
    private static final VectorSpecies<Short> S2 =
            VectorSpecies.of(short.class, VectorShape.forBitSize(Simd.BITS / 2));
    private static final int SPAN = Math.max(L, B4.length());

    private static final float TWO23 = 0x1p23f;

    static final int KIND_BYTE = 0;
    static final int KIND_SHORT = 1;
    static final int KIND_INT = 2;
    static final int KIND_FAKE = 3;

    private QuantizeKernels() {}

    /**
     * Quantizes {@code src[srcOff .. srcOff+n)} into the destination of {@code kind}.
     * {@code counts[0..1]} receive (below, above). Returns the index (relative to srcOff) of the
     * first NaN, or -1; on NaN the output is left partly written. For stochastic rounding
     * {@code draws[i]} holds element i's draw (see {@link #fillDraws}); otherwise it may be null.
     */
    static int quantize(float[] src, int srcOff, int n, int kind, Object dst, int dstOff,
                        FixedPointFormat f, Rounding rounding, Overflow overflow,
                        int[] draws, long[] counts) {
        final int fl = f.fracLength();
        final int wl = f.wordLength();
        final boolean signed = f.signed();
        final boolean wrap = overflow == Overflow.WRAP;
        final float scale = Math.scalb(1f, fl);
        final float inv = Math.scalb(1f, -fl);
        final boolean fixTiny = fl < 0;
        final float hiF = Math.scalb(1f, signed ? wl - 1 : wl);
        final float loF = signed ? -hiF : 0f;
        final int maxK = (int) f.maxInt();
        final int minK = (int) f.minInt();
        final boolean u32 = !signed && wl == 32;
        final int umask = (int) ((1L << wl) - 1);
        final byte[] bd = kind == KIND_BYTE ? (byte[]) dst : null;
        final short[] sd = kind == KIND_SHORT ? (short[]) dst : null;
        final int[] id = kind == KIND_INT ? (int[]) dst : null;
        final float[] fd = kind == KIND_FAKE ? (float[]) dst : null;
        long below = 0;
        long above = 0;
        int i = 0;
        if (n >= SPAN) {
            // One loop method per rounding mode: each stays small enough for C2 to inline every
            // vector helper (a shared loop with all modes deoptimizes and boxes once several modes
            // have run in one JVM).
            long packed = switch (rounding) {
                case NEAREST_EVEN -> loopNearestEven(src, srcOff, n, kind, bd, sd, id, fd, dstOff, scale, inv, fixTiny, hiF, loF, maxK, minK, u32, wrap, wl, signed, umask);
                case NEAREST_AWAY -> loopNearestAway(src, srcOff, n, kind, bd, sd, id, fd, dstOff, scale, inv, fixTiny, hiF, loF, maxK, minK, u32, wrap, wl, signed, umask);
                case TOWARD_ZERO -> loopTowardZero(src, srcOff, n, kind, bd, sd, id, fd, dstOff, scale, inv, fixTiny, hiF, loF, maxK, minK, u32, wrap, wl, signed, umask);
                case FLOOR -> loopFloor(src, srcOff, n, kind, bd, sd, id, fd, dstOff, scale, inv, fixTiny, hiF, loF, maxK, minK, u32, wrap, wl, signed, umask);
                case STOCHASTIC -> loopStochastic(src, srcOff, n, kind, bd, sd, id, fd, dstOff, scale, inv, fixTiny, hiF, loF, maxK, minK, u32, wrap, wl, signed, umask, draws);
            };
            if (packed < 0) {
                return (int) (-packed - 1);
            }
            below = packed & 0xFFFF_FFFFL;
            above = packed >>> 32;
            i = (n - SPAN) / L * L + L;
        }
        for (; i < n; i++) {
            float x = src[srcOff + i];
            if (Float.isNaN(x)) {
                return i;
            }
            int j = rounding == Rounding.STOCHASTIC ? draws[i] : 0;
            long r = Float.isInfinite(x) ? (x > 0 ? Long.MAX_VALUE : Long.MIN_VALUE)
                    : QuantizeScalar.round(x, fl, rounding, j);
            if (r < f.minInt()) {
                below++;
            } else if (r > f.maxInt()) {
                above++;
            }
            long kk = Float.isInfinite(x) ? (x > 0 ? f.maxInt() : f.minInt()) : ExactRounding.fit(r, f, overflow);
            switch (kind) {
                case KIND_BYTE -> bd[dstOff + i] = (byte) kk;
                case KIND_SHORT -> sd[dstOff + i] = (short) kk;
                case KIND_INT -> id[dstOff + i] = (int) kk;
                default -> fd[dstOff + i] = QuantizeScalar.dequantize(kk, fl);
            }
        }
        counts[0] += below;
        counts[1] += above;
        return -1;
    }

    /** Vector loop for one rounding mode; returns below | above << 32, or -(1 + index) of a NaN. */
    private static long loopNearestEven(float[] src, int srcOff, int n, int kind, byte[] bd, short[] sd, int[] id, float[] fd,
                                int dstOff, float scale, float inv, boolean fixTiny, float hiF, float loF, int maxK,
                                int minK, boolean u32, boolean wrap, int wl, boolean signed, int umask) {
        long below = 0;
        long above = 0;

        for (int i = 0; i + SPAN <= n; i += L) {
            FloatVector x = FloatVector.fromArray(F, src, srcOff + i);
            if (x.test(VectorOperators.IS_NAN).anyTrue()) {
                return -1 - firstNaN(src, srcOff, i, n);
            }
            FloatVector y = x.mul(scale);
            if (fixTiny) {
                y = fixTiny(x, y);
            }
            FloatVector r = nearestEven(y);
            VectorMask<Float> hi = r.compare(VectorOperators.GE, hiF);
            VectorMask<Float> lo = r.compare(VectorOperators.LT, loF);
            above += hi.trueCount();
            below += lo.trueCount();
            IntVector k = wrap ? fitWrap(x, r, wl, signed, umask, maxK, minK) : fitSaturate(r, hi, lo, u32, maxK, minK);
            store(k, kind, bd, sd, id, fd, dstOff + i, wl, u32, inv);
        }
        return below | (above << 32);
    }

    /** Vector loop for one rounding mode; returns below | above << 32, or -(1 + index) of a NaN. */
    private static long loopNearestAway(float[] src, int srcOff, int n, int kind, byte[] bd, short[] sd, int[] id, float[] fd,
                                int dstOff, float scale, float inv, boolean fixTiny, float hiF, float loF, int maxK,
                                int minK, boolean u32, boolean wrap, int wl, boolean signed, int umask) {
        long below = 0;
        long above = 0;

        for (int i = 0; i + SPAN <= n; i += L) {
            FloatVector x = FloatVector.fromArray(F, src, srcOff + i);
            if (x.test(VectorOperators.IS_NAN).anyTrue()) {
                return -1 - firstNaN(src, srcOff, i, n);
            }
            FloatVector y = x.mul(scale);
            if (fixTiny) {
                y = fixTiny(x, y);
            }
            FloatVector r = nearestAway(y);
            VectorMask<Float> hi = r.compare(VectorOperators.GE, hiF);
            VectorMask<Float> lo = r.compare(VectorOperators.LT, loF);
            above += hi.trueCount();
            below += lo.trueCount();
            IntVector k = wrap ? fitWrap(x, r, wl, signed, umask, maxK, minK) : fitSaturate(r, hi, lo, u32, maxK, minK);
            store(k, kind, bd, sd, id, fd, dstOff + i, wl, u32, inv);
        }
        return below | (above << 32);
    }

    /** Vector loop for one rounding mode; returns below | above << 32, or -(1 + index) of a NaN. */
    private static long loopTowardZero(float[] src, int srcOff, int n, int kind, byte[] bd, short[] sd, int[] id, float[] fd,
                                int dstOff, float scale, float inv, boolean fixTiny, float hiF, float loF, int maxK,
                                int minK, boolean u32, boolean wrap, int wl, boolean signed, int umask) {
        long below = 0;
        long above = 0;

        for (int i = 0; i + SPAN <= n; i += L) {
            FloatVector x = FloatVector.fromArray(F, src, srcOff + i);
            if (x.test(VectorOperators.IS_NAN).anyTrue()) {
                return -1 - firstNaN(src, srcOff, i, n);
            }
            FloatVector y = x.mul(scale);
            if (fixTiny) {
                y = fixTiny(x, y);
            }
            FloatVector r = towardZero(y);
            VectorMask<Float> hi = r.compare(VectorOperators.GE, hiF);
            VectorMask<Float> lo = r.compare(VectorOperators.LT, loF);
            above += hi.trueCount();
            below += lo.trueCount();
            IntVector k = wrap ? fitWrap(x, r, wl, signed, umask, maxK, minK) : fitSaturate(r, hi, lo, u32, maxK, minK);
            store(k, kind, bd, sd, id, fd, dstOff + i, wl, u32, inv);
        }
        return below | (above << 32);
    }

    /** Vector loop for one rounding mode; returns below | above << 32, or -(1 + index) of a NaN. */
    private static long loopFloor(float[] src, int srcOff, int n, int kind, byte[] bd, short[] sd, int[] id, float[] fd,
                                int dstOff, float scale, float inv, boolean fixTiny, float hiF, float loF, int maxK,
                                int minK, boolean u32, boolean wrap, int wl, boolean signed, int umask) {
        long below = 0;
        long above = 0;

        for (int i = 0; i + SPAN <= n; i += L) {
            FloatVector x = FloatVector.fromArray(F, src, srcOff + i);
            if (x.test(VectorOperators.IS_NAN).anyTrue()) {
                return -1 - firstNaN(src, srcOff, i, n);
            }
            FloatVector y = x.mul(scale);
            if (fixTiny) {
                y = fixTiny(x, y);
            }
            FloatVector r = floor(y);
            VectorMask<Float> hi = r.compare(VectorOperators.GE, hiF);
            VectorMask<Float> lo = r.compare(VectorOperators.LT, loF);
            above += hi.trueCount();
            below += lo.trueCount();
            IntVector k = wrap ? fitWrap(x, r, wl, signed, umask, maxK, minK) : fitSaturate(r, hi, lo, u32, maxK, minK);
            store(k, kind, bd, sd, id, fd, dstOff + i, wl, u32, inv);
        }
        return below | (above << 32);
    }

    /**
     * The stochastic loop reads its draws ({@code draws[i]} for element i of this call) from a
     * buffer filled beforehand by {@link #fillDraws}: generator, rounding, fitting and storing in
     * one compiled loop make a graph so large that C2 stops inlining the vector helpers
     * (NodeCountInliningCutoff) and boxes vectors, about 10x slower. Returns below | above << 32,
     * or -(1 + index) of a NaN.
     */
    private static long loopStochastic(float[] src, int srcOff, int n, int kind, byte[] bd, short[] sd, int[] id, float[] fd,
                                       int dstOff, float scale, float inv, boolean fixTiny, float hiF, float loF, int maxK,
                                       int minK, boolean u32, boolean wrap, int wl, boolean signed, int umask, int[] draws) {
        long below = 0;
        long above = 0;
        for (int i = 0; i + SPAN <= n; i += L) {
            FloatVector x = FloatVector.fromArray(F, src, srcOff + i);
            if (x.test(VectorOperators.IS_NAN).anyTrue()) {
                return -1 - firstNaN(src, srcOff, i, n);
            }
            FloatVector y = x.mul(scale);
            if (fixTiny) {
                y = fixTiny(x, y);
            }
            FloatVector r = stochastic(y, IntVector.fromArray(I, draws, i));
            VectorMask<Float> hi = r.compare(VectorOperators.GE, hiF);
            VectorMask<Float> lo = r.compare(VectorOperators.LT, loF);
            above += hi.trueCount();
            below += lo.trueCount();
            IntVector k = wrap ? fitWrap(x, r, wl, signed, umask, maxK, minK) : fitSaturate(r, hi, lo, u32, maxK, minK);
            store(k, kind, bd, sd, id, fd, dstOff + i, wl, u32, inv);
        }
        return below | (above << 32);
    }

    /** {@code draws[i] = uniform24(base + i)} for {@code i < n}: the stochastic draws of one call. */
    static void fillDraws(int[] draws, int base, int n, int k0, int k1) {
        IntVector iota = IntVector.zero(I).addIndex(1);
        int i = 0;
        for (; i + L <= n; i += L) {
            CounterRng.uniform24(iota.add(base + i), k0, k1).intoArray(draws, i);
        }
        for (; i < n; i++) {
            draws[i] = CounterRng.uniform24(base + i, k0, k1);
        }
    }

    private static void store(IntVector k, int kind, byte[] bd, short[] sd, int[] id, float[] fd, int at,
                              int wl, boolean u32, float inv) {
        if (kind == KIND_BYTE) {
            ByteVector bv = (ByteVector) k.convertShape(VectorOperators.I2B, B4, 0);
            if (B4.length() == L) {
                bv.intoArray(bd, at);
            } else {
                bv.intoArray(bd, at, B4.indexInRange(0, L));
            }
        } else if (kind == KIND_SHORT) {
            ((ShortVector) k.convertShape(VectorOperators.I2S, S2, 0)).intoArray(sd, at);
        } else if (kind == KIND_INT) {
            k.intoArray(id, at);
        } else {
            toFloat(k, wl, u32).mul(inv).intoArray(fd, at);
        }
    }

    private static int firstNaN(float[] src, int srcOff, int from, int n) {
        for (int i = from; i < n; i++) {
            if (Float.isNaN(src[srcOff + i])) {
                return i;
            }
        }
        throw new AssertionError("NaN lane vanished");
    }

    private static FloatVector fixTiny(FloatVector x, FloatVector y) {
        VectorMask<Float> tiny = y.abs().compare(VectorOperators.LT, 0x1p-126f)
                .andNot(x.compare(VectorOperators.EQ, 0f));
        FloatVector rep = FloatVector.broadcast(F, 0x1p-100f);
        rep = rep.blend(rep.neg(), x.compare(VectorOperators.LT, 0f));
        return y.blend(rep, tiny);
    }

    /** rint of a non-negative vector. */
    private static FloatVector rintAbs(FloatVector t) {
        FloatVector r = t.add(TWO23).sub(TWO23);
        return r.blend(t, t.compare(VectorOperators.GE, TWO23));
    }

    private static FloatVector withSignOf(FloatVector mag, FloatVector y) {
        return mag.blend(mag.neg(), y.compare(VectorOperators.LT, 0f));
    }

    private static FloatVector nearestEven(FloatVector y) {
        return withSignOf(rintAbs(y.abs()), y);
    }

    private static FloatVector nearestAway(FloatVector y) {
        FloatVector t = y.abs();
        FloatVector r = rintAbs(t);
        r = r.blend(r.add(1f), t.sub(r).compare(VectorOperators.EQ, 0.5f));
        return withSignOf(r, y);
    }

    private static FloatVector towardZero(FloatVector y) {
        FloatVector t = y.abs();
        FloatVector r = rintAbs(t);
        r = r.blend(r.sub(1f), r.compare(VectorOperators.GT, t));
        return withSignOf(r, y);
    }

    private static FloatVector floor(FloatVector y) {
        FloatVector r = nearestEven(y);
        return r.blend(r.sub(1f), r.compare(VectorOperators.GT, y));
    }

    private static FloatVector stochastic(FloatVector y, IntVector j) {
        FloatVector fl = floor(y);
        FloatVector u = ((FloatVector) j.convert(VectorOperators.I2F, 0)).mul(0x1p-24f);
        // small lanes (-1 < y < 0) test u >= -y; the others y - floor(y) >= 1 - u (both exact).
        VectorMask<Float> small = y.compare(VectorOperators.GT, -1f).and(y.compare(VectorOperators.LT, 0f));
        FloatVector lhs = y.sub(fl).blend(u, small);
        FloatVector rhs = u.neg().add(1f).blend(y.neg(), small);
        return fl.blend(fl.add(1f), lhs.compare(VectorOperators.GE, rhs));
    }

    private static IntVector fitSaturate(FloatVector r, VectorMask<Float> hi, VectorMask<Float> lo,
                                         boolean u32, int maxK, int minK) {
        IntVector k = (IntVector) r.convert(VectorOperators.F2I, 0);
        if (u32) {
            IntVector top = ((IntVector) r.sub(0x1p31f).convert(VectorOperators.F2I, 0))
                    .lanewise(VectorOperators.XOR, Integer.MIN_VALUE);
            k = k.blend(top, r.compare(VectorOperators.GE, 0x1p31f).cast(I));
        }
        return k.blend(maxK, hi.cast(I)).blend(minK, lo.cast(I));
    }

    private static IntVector fitWrap(FloatVector x, FloatVector r, int wl, boolean signed, int umask,
                                     int maxK, int minK) {
        FloatVector a = r.mul(0x1p-32f);
        FloatVector ta = a.abs();
        FloatVector rta = rintAbs(ta);
        rta = rta.blend(rta.sub(1f), rta.compare(VectorOperators.GT, ta));
        FloatVector h = withSignOf(rta, a);
        FloatVector d = r.sub(h.mul(0x1p32f));
        d = d.blend(d.sub(0x1p32f), d.compare(VectorOperators.GE, 0x1p31f));
        d = d.blend(d.add(0x1p32f), d.compare(VectorOperators.LT, -0x1p31f));
        IntVector k = (IntVector) d.convert(VectorOperators.F2I, 0);
        k = signed ? k.lanewise(VectorOperators.LSHL, 32 - wl).lanewise(VectorOperators.ASHR, 32 - wl)
                : k.and(umask);
        k = k.blend(0, r.abs().compare(VectorOperators.GE, 0x1p56f).cast(I));
        k = k.blend(maxK, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY).cast(I));
        return k.blend(minK, x.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY).cast(I));
    }

    /** Integer lanes (decoded values; raw bits for unsigned WL=32) to the nearest floats. */
    private static FloatVector toFloat(IntVector k, int wl, boolean u32) {
        if (wl <= 24) {
            return (FloatVector) k.convert(VectorOperators.I2F, 0);
        }
        IntVector hi = k.lanewise(u32 ? VectorOperators.LSHR : VectorOperators.ASHR, 8);
        FloatVector fh = ((FloatVector) hi.convert(VectorOperators.I2F, 0)).mul(256f);
        return fh.add((FloatVector) k.and(0xFF).convert(VectorOperators.I2F, 0));
    }

    /** Dequantizes {@code n} stored elements of {@code kind} (0 byte, 1 short, 2 int) into floats. */
    static void dequantize(int kind, Object src, int srcOff, float[] dst, int dstOff, int n, FixedPointFormat f) {
        final int wl = f.wordLength();
        final boolean signed = f.signed();
        final boolean u32 = !signed && wl == 32;
        final float inv = Math.scalb(1f, -f.fracLength());
        final byte[] bs = kind == KIND_BYTE ? (byte[]) src : null;
        final short[] ss = kind == KIND_SHORT ? (short[]) src : null;
        final int[] is = kind == KIND_INT ? (int[]) src : null;
        int i = 0;
        for (; i + SPAN <= n; i += L) {
            IntVector k;
            if (kind == KIND_BYTE) {
                k = (IntVector) ByteVector.fromArray(B4, bs, srcOff + i).convertShape(VectorOperators.B2I, I, 0);
                if (!signed) {
                    k = k.and(0xFF);
                }
            } else if (kind == KIND_SHORT) {
                k = (IntVector) ShortVector.fromArray(S2, ss, srcOff + i).convertShape(VectorOperators.S2I, I, 0);
                if (!signed) {
                    k = k.and(0xFFFF);
                }
            } else {
                k = IntVector.fromArray(I, is, srcOff + i);
            }
            toFloat(k, wl, u32).mul(inv).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            int raw = switch (kind) {
                case KIND_BYTE -> bs[srcOff + i];
                case KIND_SHORT -> ss[srcOff + i];
                default -> is[srcOff + i];
            };
            dst[dstOff + i] = QuantizeScalar.dequantize(ExactRounding.decode(raw, f), f.fracLength());
        }
    }
}

package bitflex.engine.kernels;

import bitflex.engine.simd.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * exp, sigmoid and tanh as one shared polynomial, in a scalar and a vector form that perform the same
 * IEEE operations in the same order (fused multiply-adds included), so the SIMD kernels and their
 * scalar twins agree bit for bit, at every vector width and for every element position.
 *
 * <p>Why not {@code lanewise(EXP)}: its results may differ from {@link Math#exp} by an ulp or so, which
 * would make a kernel's output depend on whether an element fell into the vector body or the scalar
 * tail, hence on the vector width. A shared formula removes that and is as fast.
 *
 * <p>Accuracy of {@link #exp}: range reduction {@code x = n ln2 + r}, |r| <= ln2/2, with a two-part
 * Cody-Waite ln2; degree-7 Taylor polynomial (truncation below 6e-9 relative); scaling by 2^n in two
 * exact steps. Error at most 3 ulps against the exact value for results in the normal range (tested),
 * results below about 1.2e-38 may flush towards zero, +Inf above about 88.72, NaN stays NaN.
 * {@link #sigmoid} = 1 / (1 + exp(-x)); {@link #tanh} = sign(x) (1 - e) / (1 + e) with
 * e = exp(-2|x|), whose absolute error stays below 4e-7 (relative accuracy is lost only near 0).
 */
public final class FloatMath {
    private FloatMath() {}

    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final float SHIFTER = 12582912f; // 1.5 * 2^23: adding it rounds to an integer
    static final int SHIFTER_BITS = Float.floatToRawIntBits(SHIFTER);
    static final float C2 = 1f / 2;
    static final float C3 = 1f / 6;
    static final float C4 = 1f / 24;
    static final float C5 = 1f / 120;
    static final float C6 = 1f / 720;
    static final float C7 = 1f / 5040;
    static final float LO = -104f;
    static final float HI = 89f;

    /** e^x, shared formula (see class comment for accuracy). */
    public static float exp(float x) {
        x = Math.min(Math.max(x, LO), HI);
        float t = Math.fma(x, LOG2E, SHIFTER);
        float n = t - SHIFTER;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(C7, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int ni = Float.floatToRawIntBits(t) - SHIFTER_BITS;
        int n1 = ni >> 1;
        int n2 = ni - n1;
        float s1 = Float.intBitsToFloat((n1 + 127) << 23);
        float s2 = Float.intBitsToFloat((n2 + 127) << 23);
        return p * s1 * s2;
    }

    /** Vector twin of {@link #exp(float)}. */
    public static FloatVector exp(FloatVector v) {
        FloatVector x = v.max(LO).min(HI);
        FloatVector t = x.fma(LOG2E, SHIFTER);
        FloatVector n = t.sub(SHIFTER);
        FloatVector r = n.fma(bc(-LN2_HI), x);
        r = n.fma(bc(-LN2_LO), r);
        FloatVector p = bc(C7).fma(r, bc(C6));
        p = p.fma(r, bc(C5));
        p = p.fma(r, bc(C4));
        p = p.fma(r, bc(C3));
        p = p.fma(r, bc(C2));
        p = p.fma(r, bc(1f));
        p = p.fma(r, bc(1f));
        // viewAs*Lanes, not reinterpretAs*: after reinterpretAsInts C2 could not bind the integer
        // ops (LogCompilation: "no static binding", "virtual call"), and they ran as the Java
        // fallback on boxed vectors. A compile of exp on its own now binds them; inlined into
        // FloatKernels.expShiftSum they were still virtual calls (not solved).
        IntVector ni = t.viewAsIntegralLanes().sub(SHIFTER_BITS);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
        return p.mul(s1).mul(s2);
    }

    private static FloatVector bc(float v) {
        return FloatVector.broadcast(Simd.FLOAT, v);
    }

    /** 1 / (1 + e^-x). */
    public static float sigmoid(float x) {
        return 1f / (1f + exp(-x));
    }

    /** Vector twin of {@link #sigmoid(float)}. */
    public static FloatVector sigmoid(FloatVector x) {
        FloatVector one = FloatVector.broadcast(Simd.FLOAT, 1f);
        return one.div(one.add(exp(x.neg())));
    }

    /** tanh via e = exp(-2|x|). */
    public static float tanh(float x) {
        float e = exp(Math.abs(x) * -2f);
        float y = (1f - e) / (1f + e);
        return Math.copySign(y, x);
    }

    /** Vector twin of {@link #tanh(float)}. */
    public static FloatVector tanh(FloatVector x) {
        FloatVector one = FloatVector.broadcast(Simd.FLOAT, 1f);
        FloatVector e = exp(x.abs().mul(-2f));
        FloatVector y = one.sub(e).div(one.add(e));
        IntVector sign = x.reinterpretAsInts().and(0x80000000);
        return y.reinterpretAsInts().and(0x7fffffff).or(sign).reinterpretAsFloats();
    }
}

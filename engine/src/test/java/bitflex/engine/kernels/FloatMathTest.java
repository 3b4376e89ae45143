package bitflex.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.floats;

import bitflex.engine.simd.Simd;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Accuracy of the shared exp/sigmoid/tanh polynomial against the JDK's double functions. */
@Tag("simd")
class FloatMathTest {
    @Test
    void expWithinThreeUlps() {
        qt().withFixedSeed(11).withExamples(20000).forAll(floats().between(-87f, 88.7f)).checkAssert(x -> {
            double e = Math.exp(x);
            float got = FloatMath.exp(x);
            assertTrue(Math.abs(got - e) <= 3 * Math.ulp((float) e), "exp(" + x + ") = " + got + " vs " + e);
        });
    }

    @Test
    void expSpecialValues() {
        assertEquals(1f, FloatMath.exp(0f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(89f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(0f, FloatMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, FloatMath.exp(-200f));
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)));
        assertEquals((float) Math.exp(88.7f), FloatMath.exp(88.7f), 3 * Math.ulp((float) Math.exp(88.7f)));
    }

    @Test
    void sigmoidAndTanhAccuracy() {
        qt().withFixedSeed(13).withExamples(20000).forAll(floats().between(-30f, 30f)).checkAssert(x -> {
            double s = 1 / (1 + Math.exp(-x));
            assertTrue(Math.abs(FloatMath.sigmoid(x) - s) <= 4 * Math.ulp((float) s) + 1e-38, "sigmoid(" + x + ")");
            assertTrue(Math.abs(FloatMath.tanh(x) - Math.tanh(x)) <= 4e-7, "tanh(" + x + ")");
        });
    }

    @Test
    void vectorFormIsBitIdentical() {
        qt().withFixedSeed(17).withExamples(3000).forAll(floats().between(-120f, 120f)).checkAssert(x -> {
            float[] in = new float[Simd.FLOAT.length()];
            for (int i = 0; i < in.length; i++) {
                in[i] = x * (i + 1) / in.length;
            }
            float[] e = new float[in.length];
            float[] s = new float[in.length];
            float[] t = new float[in.length];
            FloatVector v = FloatVector.fromArray(Simd.FLOAT, in, 0);
            FloatMath.exp(v).intoArray(e, 0);
            FloatMath.sigmoid(v).intoArray(s, 0);
            FloatMath.tanh(v).intoArray(t, 0);
            for (int i = 0; i < in.length; i++) {
                assertEquals(Float.floatToRawIntBits(FloatMath.exp(in[i])), Float.floatToRawIntBits(e[i]));
                assertEquals(Float.floatToRawIntBits(FloatMath.sigmoid(in[i])), Float.floatToRawIntBits(s[i]));
                assertEquals(Float.floatToRawIntBits(FloatMath.tanh(in[i])), Float.floatToRawIntBits(t[i]));
            }
        });
    }
}

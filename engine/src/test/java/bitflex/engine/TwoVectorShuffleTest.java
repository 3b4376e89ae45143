package bitflex.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.simd.Simd;
import bitflex.engine.simd.TwoVectorShuffle;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A {@link TwoVectorShuffle} picks exactly the lanes its indexes name, bit for bit (NaN payloads and
 * -0 included), and agrees with the Vector API's {@code rearrange(shuffle, v)}, at the width this JVM
 * runs (the build runs the engine's tests again at every forced width).
 */
@Tag("simd")
class TwoVectorShuffleTest {
    private static final int VL = Simd.FLOAT.length();

    @Test
    void picksTheNamedLanesOfEitherVector() {
        qt().withFixedSeed(29).withExamples(300).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            int[] lanes = new int[VL];
            for (int i = 0; i < VL; i++) {
                lanes[i] = r.nextInt(2 * VL);
            }
            float[] x = randomBits(r), y = randomBits(r);
            float[] expected = new float[VL];
            for (int i = 0; i < VL; i++) {
                expected[i] = lanes[i] < VL ? x[lanes[i]] : y[lanes[i] - VL];
            }
            FloatVector vx = FloatVector.fromArray(Simd.FLOAT, x, 0), vy = FloatVector.fromArray(Simd.FLOAT, y, 0);
            float[] got = TwoVectorShuffle.of(Simd.FLOAT, lanes).apply(vx, vy).toArray();
            float[] api = vx.rearrange(VectorShuffle.fromValues(Simd.FLOAT, lanes), vy).toArray();
            assertArrayEquals(bits(expected), bits(got), "lanes " + java.util.Arrays.toString(lanes));
            assertArrayEquals(bits(api), bits(got), "against rearrange(shuffle, v)");
        });
    }

    @Test
    void badIndexesAreRejectedWithTheLaneAndValue() {
        int[] tooHigh = new int[VL];
        tooHigh[VL - 1] = 2 * VL;
        var e = assertThrows(IllegalArgumentException.class, () -> TwoVectorShuffle.of(Simd.FLOAT, tooHigh));
        assertTrue(e.getMessage().contains("lane " + (VL - 1)) && e.getMessage().contains("got " + 2 * VL), e.getMessage());
        int[] negative = new int[VL];
        negative[0] = -1;
        assertThrows(IllegalArgumentException.class, () -> TwoVectorShuffle.of(Simd.FLOAT, negative));
        var count = assertThrows(IllegalArgumentException.class, () -> TwoVectorShuffle.of(Simd.FLOAT, new int[VL + 1]));
        assertTrue(count.getMessage().contains("needs " + VL), count.getMessage());
    }

    /** Any 32-bit patterns, so NaN payloads, infinities, -0 and subnormals come up. */
    private static float[] randomBits(Random r) {
        float[] v = new float[VL];
        for (int i = 0; i < VL; i++) {
            v[i] = Float.intBitsToFloat(r.nextInt());
        }
        return v;
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }
}

package bitflex.nn.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InitTest {
    private static double[] moments(float[] w) {
        double m = 0;
        double s = 0;
        for (float v : w) {
            m += v;
            s += (double) v * v;
        }
        m /= w.length;
        return new double[] {m, Math.sqrt(s / w.length - m * m)};
    }

    @Test
    void fansFollowPyTorch() {
        assertEquals(784, Init.fanIn(new int[] {256, 784}));
        assertEquals(256, Init.fanOut(new int[] {256, 784}));
        assertEquals(6 * 25, Init.fanIn(new int[] {16, 6, 5, 5}));
        assertEquals(16 * 25, Init.fanOut(new int[] {16, 6, 5, 5}));
        assertThrows(IllegalArgumentException.class, () -> Init.fanIn(new int[] {3}));
    }

    @Test
    void kaimingAndXavierHaveTheirVariance() {
        int[] shape = {200, 50, 3, 3};
        float[] w = new float[200 * 450];
        Init.kaimingUniform(w, shape, 1);
        double bound = Math.sqrt(2) * Math.sqrt(3.0 / 450);
        for (float v : w) {
            assertTrue(Math.abs(v) <= bound);
        }
        assertEquals(Math.sqrt(2.0 / 450), moments(w)[1], 0.02 * Math.sqrt(2.0 / 450));
        Init.kaimingNormal(w, shape, 2);
        assertEquals(0, moments(w)[0], 0.01 * Math.sqrt(2.0 / 450));
        assertEquals(Math.sqrt(2.0 / 450), moments(w)[1], 0.02 * Math.sqrt(2.0 / 450));
        double xs = Math.sqrt(2.0 / (450 + 1800));
        Init.xavierUniform(w, shape, 1, 3);
        assertEquals(xs, moments(w)[1], 0.02 * xs);
        Init.xavierNormal(w, shape, 1, 4);
        assertEquals(xs, moments(w)[1], 0.02 * xs);
    }

    @Test
    void sameSeedSameValues() {
        float[] a = new float[1001];
        float[] b = new float[1001];
        Init.normal(a, 1, 9);
        Init.normal(b, 1, 9);
        assertArrayEquals(a, b);
        Init.normal(b, 1, 10);
        assertTrue(a[0] != b[0]);
    }
}

package bitflex.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@link Tensor#zeroGrad()} only marks the gradient; the next read zeroes it, and the linear and conv
 * rules overwrite it instead of adding to zeros. Every way of getting at the gradient must still see
 * exactly what eager zeroing gave.
 */
class LazyZeroGradTest {
    private static Tensor param(long seed, int... shape) {
        return Tensor.randn(seed, shape).requiresGrad(true);
    }

    /** Gradients of w and b after one backward of sum(f(x)^2) on fresh (null) gradient buffers. */
    private static float[][] fresh(Function<Tensor[], Tensor> f, Tensor x, Tensor w, Tensor b) {
        Tensor w2 = Tensor.of(w.toArray(), w.shape()).requiresGrad(true);
        Tensor b2 = Tensor.of(b.toArray(), b.shape()).requiresGrad(true);
        Tensor y = f.apply(new Tensor[] {x, w2, b2});
        y.mul(y).sum().backward();
        return new float[][] {w2.grad().toArray(), b2.grad().toArray()};
    }

    private static void checkRule(Function<Tensor[], Tensor> f, Tensor x, Tensor w, Tensor b) {
        float[][] once = fresh(f, x, w, b);
        // Dirty gradients, zeroed lazily, then one backward: the rule overwrites them.
        Tensor y = f.apply(new Tensor[] {x, w, b});
        y.mul(y).sum().backward();
        y = f.apply(new Tensor[] {x, w, b});
        y.mul(y).sum().backward();
        w.zeroGrad();
        b.zeroGrad();
        assertFalse(w.gradHoldsValues());
        y = f.apply(new Tensor[] {x, w, b});
        y.mul(y).sum().backward();
        assertTrue(w.gradHoldsValues());
        assertArrayEquals(once[0], w.grad().toArray());
        assertArrayEquals(once[1], b.grad().toArray());
        // A second backward without zeroing accumulates: exactly twice the single gradient here.
        y = f.apply(new Tensor[] {x, w, b});
        y.mul(y).sum().backward();
        float[] gw = w.grad().toArray();
        for (int i = 0; i < gw.length; i++) {
            assertEquals(once[0][i] + once[0][i], gw[i], 1e-5f * Math.max(1f, Math.abs(gw[i])));
        }
    }

    @Test
    void linearOverwritesAZeroedGradientAndAccumulatesOtherwise() {
        Tensor x = Tensor.randn(1, 5, 7);
        checkRule(t -> Functional.linear(t[0], t[1], t[2]), x, param(2, 3, 7), param(3, 3));
    }

    @Test
    void conv2dOverwritesAZeroedGradientAndAccumulatesOtherwise() {
        Tensor x = Tensor.randn(4, 3, 2, 6, 6);
        checkRule(t -> Functional.conv2d(t[0], t[1], t[2], 1, 1), x, param(5, 4, 2, 3, 3), param(6, 4));
    }

    @Test
    void readingAZeroedGradientSeesZeros() {
        Tensor w = param(7, 4, 3);
        Functional.linear(Tensor.randn(8, 2, 3), w, null).sum().backward();
        Tensor held = w.grad();
        w.zeroGrad();
        assertArrayEquals(new float[12], w.grad().toArray());
        assertArrayEquals(new float[12], held.toArray(), "grad() zeroes the same buffer");

        Functional.linear(Tensor.randn(9, 2, 3), w, null).sum().backward();
        w.zeroGrad();
        assertArrayEquals(new float[12], w.gradAccumulator());

        // A generic rule (matmul) goes through accumulateGrad, which copies into a zeroed buffer.
        Tensor v = param(10, 3, 2);
        Tensor a = Tensor.randn(11, 2, 3);
        a.matmul(v).sum().backward();
        float[] first = v.grad().toArray();
        a.matmul(v).sum().backward();
        v.zeroGrad();
        a.matmul(v).sum().backward();
        assertArrayEquals(first, v.grad().toArray());
    }

    @Test
    void aWeightUsedTwiceInOneGraphGetsBothContributionsAfterZeroing() {
        Tensor w = param(12, 3, 3);
        Tensor x = Tensor.randn(13, 2, 3);
        Functional.linear(Functional.linear(x, w, null), w, null).sum().backward();
        float[] expected = w.grad().toArray();
        Functional.linear(x, w, null).sum().backward();
        w.zeroGrad();
        Functional.linear(Functional.linear(x, w, null), w, null).sum().backward();
        assertArrayEquals(expected, w.grad().toArray());
    }

    @Test
    void clearGradDropsThePendingZeroing() {
        Tensor w = param(14, 2, 2);
        Functional.linear(Tensor.randn(15, 1, 2), w, null).sum().backward();
        w.zeroGrad();
        w.clearGrad();
        assertEquals(null, w.grad());
        assertFalse(w.gradHoldsValues());
    }
}

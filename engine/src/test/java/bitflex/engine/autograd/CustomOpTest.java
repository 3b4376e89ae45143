package bitflex.engine.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.tensor.Tensor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The custom-op extension point: recorded even without grad inputs, supplied rule, checked contract. */
class CustomOpTest {
    /** y = 3x with a supplied rule; counts its calls and keeps the upstream gradient. */
    private static Tensor triple(Tensor x, AtomicInteger calls, AtomicReference<float[]> upstream) {
        float[] d = x.toArray();
        for (int i = 0; i < d.length; i++) {
            d[i] *= 3;
        }
        return Tensor.recordCustom("triple", Tensor.of(d, x.shape()), new Tensor[] {x}, g -> {
            calls.incrementAndGet();
            upstream.set(g.toArray());
            return new Tensor[] {x.requiresGrad() ? g.mulScalar(3) : null};
        });
    }

    @Test
    void ruleGivesTheInputGradientAndRunsOncePerBackward() {
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<float[]> up = new AtomicReference<>();
        Tensor x = Tensor.of(new float[] {1, -2, 0.5f}, 3).requiresGrad(true);
        Tensor y = triple(x, calls, up);
        assertTrue(y.gradFn() instanceof Op.Custom);
        y.mul(Tensor.of(new float[] {1, 2, 3}, 3)).sum().backward();
        assertEquals(1, calls.get());
        assertArrayEquals(new float[] {1, 2, 3}, up.get());
        assertArrayEquals(new float[] {3, 6, 9}, x.grad().toArray());
    }

    @Test
    void recordedWithoutAnyGradInputSoItsSideEffectsRun() {
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<float[]> up = new AtomicReference<>();
        Tensor x = Tensor.of(new float[] {1, 2}, 2); // data: no gradient wanted
        Tensor y = triple(x, calls, up);
        assertTrue(y.requiresGrad());
        y.sum().backward();
        assertEquals(1, calls.get());
        assertArrayEquals(new float[] {1, 1}, up.get());
        assertNull(x.grad());
    }

    @Test
    void notRecordedWithGradModeOff() {
        Tensor x = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        Tensor out;
        try (var ng = Tensor.noGrad()) {
            out = triple(x, new AtomicInteger(), new AtomicReference<>());
        }
        assertNull(out.gradFn());
        assertTrue(!out.requiresGrad());
    }

    @Test
    void contractViolationsAreReported() {
        Tensor x = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        Tensor bad = Tensor.recordCustom("bad", Tensor.of(new float[] {1, 2}, 2), new Tensor[] {x}, g -> new Tensor[0]);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> bad.sum().backward());
        assertTrue(e.getMessage().contains("custom op bad"), e.getMessage());
        Tensor y = x.mulScalar(2);
        assertThrows(IllegalArgumentException.class, () -> Tensor.recordCustom("twice", y, new Tensor[] {x}, g -> new Tensor[] {g}));
        Tensor z = Tensor.of(new float[] {1}, 1);
        assertThrows(IllegalArgumentException.class, () -> Tensor.recordCustom("self", z, new Tensor[] {z}, g -> new Tensor[] {g}));
        Tensor w = Tensor.of(new float[] {1}, 1);
        assertSame(w, Tensor.recordCustom("ok", w, new Tensor[] {null}, g -> new Tensor[] {null}));
    }
}

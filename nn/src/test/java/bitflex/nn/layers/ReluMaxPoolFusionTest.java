package bitflex.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import bitflex.engine.tensor.Functional;
import bitflex.engine.tensor.Tensor;
import bitflex.nn.ForwardHook;
import bitflex.nn.Module;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Sequential's ReLU + MaxPool2d fusion: same bits as the two layers, and hooks still see both layers. */
class ReluMaxPoolFusionTest {
    @Test
    void fusedSequentialMatchesTheTwoLayers() {
        Random r = new Random(7);
        Tensor x = Tensor.randn(r, 5, 3, 9, 10).requiresGrad(true);
        Tensor g = Tensor.randn(r, 5, 3, 4, 5);
        Sequential net = new Sequential(new ReLU(), new MaxPool2d(2));
        Tensor y = net.apply(x);
        y.backward(g);
        Tensor x2 = Tensor.of(x.toArray(), x.shape()).requiresGrad(true);
        Tensor y2 = Functional.maxPool2d(x2.relu(), 2, 2, 0);
        y2.backward(g);
        assertArrayEquals(y2.toArray(), y.toArray());
        assertArrayEquals(x2.grad().toArray(), x.grad().toArray());
    }

    @Test
    void hookedLayersAreNotFused() {
        ReLU relu = new ReLU();
        Sequential net = new Sequential(relu, new MaxPool2d(2));
        AtomicInteger seen = new AtomicInteger();
        relu.addForwardHook(new ForwardHook() {
            @Override
            public Tensor afterForward(Module module, Tensor input, Tensor output) {
                seen.incrementAndGet();
                assertEquals(4, output.shape()[2]);
                return output;
            }
        });
        Tensor y = net.apply(Tensor.randn(new Random(3), 1, 1, 4, 4));
        assertEquals(1, seen.get());
        assertArrayEquals(new int[] {1, 1, 2, 2}, y.shape());
    }
}

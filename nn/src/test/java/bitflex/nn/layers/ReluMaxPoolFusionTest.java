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

/**
 * Sequential's fusions (ReLU + MaxPool2d; Conv2d + ReLU + MaxPool2d): same bits as the layers one by
 * one, and hooked layers are not fused, so hooks still see every layer's output.
 */
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
    void fusedConvReluPoolMatchesTheThreeLayers() {
        for (int pad = 0; pad <= 2; pad++) {
            Random r = new Random(11 + pad);
            Conv2d conv = new Conv2d(3, 5, 3, 1, pad, true, 5);
            Sequential net = new Sequential(conv, new ReLU(), new MaxPool2d(2), new Flatten());
            Tensor x = Tensor.randn(r, 4, 3, 11, 12).requiresGrad(true);
            Tensor y = net.apply(x);
            Tensor g = Tensor.randn(r, y.shape());
            y.backward(g);
            float[] dw = conv.weight().grad().toArray(), db = conv.bias().grad().toArray();
            conv.weight().clearGrad();
            conv.bias().clearGrad();
            Tensor x2 = Tensor.of(x.toArray(), x.shape()).requiresGrad(true);
            Tensor y2 = new Flatten().forward(new MaxPool2d(2).forward(new ReLU().forward(conv.forward(x2))));
            y2.backward(g);
            assertArrayEquals(y2.toArray(), y.toArray(), "pad " + pad);
            assertArrayEquals(x2.grad().toArray(), x.grad().toArray(), "pad " + pad);
            assertArrayEquals(conv.weight().grad().toArray(), dw, "pad " + pad);
            assertArrayEquals(conv.bias().grad().toArray(), db, "pad " + pad);
        }
    }

    @Test
    void aHookedConvIsNotFusedWithItsPool() {
        Conv2d conv = new Conv2d(1, 2, 3, 1, 1, true, 3);
        Sequential net = new Sequential(conv, new ReLU(), new MaxPool2d(2));
        AtomicInteger seen = new AtomicInteger();
        conv.addForwardHook(new ForwardHook() {
            @Override
            public Tensor afterForward(Module module, Tensor input, Tensor output) {
                seen.incrementAndGet();
                assertArrayEquals(new int[] {1, 2, 6, 6}, output.shape());
                return output;
            }
        });
        Tensor y = net.apply(Tensor.randn(new Random(5), 1, 1, 6, 6));
        assertEquals(1, seen.get());
        assertArrayEquals(new int[] {1, 2, 3, 3}, y.shape());
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

package bitflex.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import bitflex.engine.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The layers (on the engine's fused ops) against {@link CompositeOps} (the same functions from
 * elementary ops with their own derivative rules): outputs and every gradient must agree.
 */
@Tag("simd")
class FusedVsCompositeTest {
    private static float[] upstream(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] u = new float[n];
        for (int i = 0; i < n; i++) {
            u[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return u;
    }

    /** Runs both, backpropagates the same upstream gradient, compares output and the leaves' gradients. */
    private static void same(Supplier<Tensor> fused, Supplier<Tensor> composite, List<Tensor> leaves, double tol) {
        for (Tensor l : leaves) {
            l.clearGrad();
        }
        Tensor a = fused.get();
        float[] u = upstream(a.numel(), 5);
        a.backward(Tensor.of(u.clone(), a.shape()));
        float[][] ga = new float[leaves.size()][];
        for (int i = 0; i < ga.length; i++) {
            ga[i] = leaves.get(i).grad().toArray();
            leaves.get(i).clearGrad();
        }
        Tensor b = composite.get();
        assertArrayEquals(a.shape(), b.shape());
        b.backward(Tensor.of(u.clone(), b.shape()));
        close("output", a.toArray(), b.toArray(), tol);
        for (int i = 0; i < ga.length; i++) {
            close("gradient of leaf " + i, ga[i], leaves.get(i).grad().toArray(), tol);
        }
    }

    private static void close(String what, float[] a, float[] b, double tol) {
        assertEquals(a.length, b.length, what);
        for (int i = 0; i < a.length; i++) {
            assertEquals(b[i], a[i], tol * Math.max(1, Math.abs(b[i])), what + "[" + i + "]");
        }
    }

    @Test
    void conv2d() {
        int[][] cases = {{2, 3, 7, 6, 4, 3, 1, 1}, {2, 1, 12, 12, 6, 5, 1, 2}, {2, 2, 9, 8, 3, 3, 2, 1}, {1, 4, 5, 5, 2, 1, 2, 0}};
        long seed = 1;
        for (int[] c : cases) {
            Conv2d conv = new Conv2d(c[1], c[4], c[5], c[6], c[7], true, seed++);
            Tensor x = GradCheck.randomInput(seed++, c[0], c[1], c[2], c[3]).requiresGrad(true);
            same(() -> conv.forward(x), () -> CompositeOps.conv2d(x, conv.weight(), conv.bias(), c[6], c[7]),
                    List.of(x, conv.weight(), conv.bias()), 1e-5);
        }
    }

    @Test
    void linearAndLosses() {
        Linear l = new Linear(6, 4, 3);
        Tensor x = GradCheck.randomInput(4, 5, 6).requiresGrad(true);
        same(() -> l.forward(x), () -> CompositeOps.linear(x, l.weight(), l.bias()), List.of(x, l.weight(), l.bias()), 1e-5);
        int[] labels = {0, 3, 2, 1, 3, 9, 9};
        same(() -> new CrossEntropyLoss().compute(l.forward(x), labels, 5), () -> CompositeOps.crossEntropy(l.forward(x), labels, 5),
                List.of(x, l.weight(), l.bias()), 1e-5);
        Tensor t = GradCheck.randomInput(6, 5, 4);
        same(() -> new MSELoss().forward(l.forward(x), t), () -> CompositeOps.mseLoss(l.forward(x), t), List.of(x, l.weight()), 1e-5);
    }

    @Test
    void pools() {
        Tensor x = GradCheck.randomInput(7, 2, 3, 9, 8).requiresGrad(true);
        same(() -> new MaxPool2d(2).forward(x), () -> CompositeOps.maxPool2d(x, 2), List.of(x), 0);
        same(() -> new AvgPool2d(3).forward(x), () -> CompositeOps.avgPool2d(x, 3), List.of(x), 1e-6);
    }

    @Test
    void batchNormTrainingAndEval() {
        BatchNorm2d bn = new BatchNorm2d(3);
        for (int i = 0; i < 3; i++) {
            bn.weight().data()[i] = 0.5f + i;
            bn.bias().data()[i] = 0.25f * i;
        }
        float[] rm = new float[3];
        float[] rv = {1, 1, 1};
        Tensor x = GradCheck.randomInput(8, 4, 3, 3, 2).requiresGrad(true);
        same(() -> bn.forward(x), () -> CompositeOps.batchNorm2d(x, bn.weight(), bn.bias(), rm, rv, true, 0.1, 1e-5),
                List.of(x, bn.weight(), bn.bias()), 1e-5);
        // Each side ran once: the running statistics agree too.
        close("running mean", bn.runningMean(), rm, 1e-6);
        close("running var", bn.runningVar(), rv, 1e-6);
        bn.eval();
        same(() -> bn.forward(x), () -> CompositeOps.batchNorm2d(x, bn.weight(), bn.bias(), rm, rv, false, 0.1, 1e-5),
                List.of(x, bn.weight(), bn.bias()), 1e-5);
    }
}

package bitflex.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import bitflex.engine.parallel.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Every parallel op, forward and backward, gives bit-identical results on 1 and 2 threads. */
@Tag("simd")
class ThreadDeterminismTest {
    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(savedThreads);
    }

    /** A small network touching every parallel kernel, at sizes above the parallel grain. */
    static List<float[]> run() {
        Random r = new Random(77);
        List<float[]> out = new ArrayList<>();
        Tensor big = Tensor.randn(r, 300, 1000).requiresGrad(true);
        Tensor row = Tensor.randn(r, 1000).requiresGrad(true);
        Tensor y = big.add(row).tanh().mul(big.sigmoid()).softmax(1);
        Tensor s = y.sum(0, false).sum().add(big.exp().mean()).add(big.logSoftmax(0).sum(new int[] {0, 1}, false));
        s.backward();
        out.add(new float[] {s.item()});
        out.add(big.grad().toArray());
        out.add(row.grad().toArray());

        Tensor x = Tensor.randn(r, 32, 8, 20, 20).requiresGrad(true);
        Tensor gamma = Tensor.randn(r, 8).requiresGrad(true);
        Tensor beta = Tensor.randn(r, 8).requiresGrad(true);
        Tensor rm = Tensor.zeros(8);
        Tensor rv = Tensor.ones(8);
        Tensor h = Functional.batchNorm2d(x, rm, rv, gamma, beta, true, 0.1f, 1e-5f).relu();
        Tensor pooled = Functional.maxPool2d(h, 2, 2, 0).add(Functional.avgPool2d(h, 3, 2, 1).narrow(2, 0, 10).narrow(3, 0, 10));
        Tensor flat = Functional.dropout(Functional.flatten(pooled), 0.3f, true, new SplittableRandom(3));
        Tensor w = Tensor.randn(r, 10, 800).requiresGrad(true);
        Tensor b = Tensor.randn(r, 10).requiresGrad(true);
        int[] labels = new int[32];
        for (int i = 0; i < 32; i++) {
            labels[i] = r.nextInt(10);
        }
        Tensor loss = Functional.crossEntropy(Functional.linear(flat, w, b), labels);
        loss.backward();
        out.add(new float[] {loss.item()});
        for (Tensor t : new Tensor[] {x, gamma, beta, w, b}) {
            out.add(t.grad().toArray());
        }
        out.add(rm.toArray());
        out.add(rv.toArray());
        return out;
    }

    @Test
    void oneAndTwoThreadsAgreeBitwise() {
        Parallel.setThreads(1);
        List<float[]> one = run();
        Parallel.setThreads(2);
        List<float[]> two = run();
        assertEquals(one.size(), two.size());
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i), two.get(i), "result " + i);
        }
    }
}

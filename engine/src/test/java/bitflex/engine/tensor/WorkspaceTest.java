package bitflex.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Pooled buffers: reuse across steps, identical results, dead tensors detected. */
class WorkspaceTest {
    static float step(Tensor w1, Tensor b1, Tensor w2, Tensor x, int[] labels) {
        Tensor h = Functional.linear(x, w1, b1).relu();
        Tensor loss = Functional.crossEntropy(Functional.linear(h, w2, null), labels);
        loss.backward();
        w1.addInPlace(w1.grad(), -0.1f);
        b1.addInPlace(b1.grad(), -0.1f);
        w2.addInPlace(w2.grad(), -0.1f);
        w1.zeroGrad();
        b1.zeroGrad();
        w2.zeroGrad();
        return loss.item();
    }

    @Test
    void trainingStepsReuseBuffersAndGiveTheSameResult() {
        Random r = new Random(1);
        Tensor x = Tensor.randn(r, 16, 20);
        int[] labels = new int[16];
        for (int i = 0; i < 16; i++) {
            labels[i] = r.nextInt(5);
        }
        Tensor[] pooled = {Tensor.randn(2, 30, 20).requiresGrad(true), Tensor.zeros(30).requiresGrad(true), Tensor.randn(3, 5, 30).requiresGrad(true)};
        Tensor[] plain = {Tensor.randn(2, 30, 20).requiresGrad(true), Tensor.zeros(30).requiresGrad(true), Tensor.randn(3, 5, 30).requiresGrad(true)};
        long freshAfterWarmup = 0;
        for (int s = 0; s < 5; s++) {
            float lp;
            try (var ws = Workspace.open()) {
                lp = step(pooled[0], pooled[1], pooled[2], x, labels);
            }
            float lh = step(plain[0], plain[1], plain[2], x, labels);
            assertEquals(lh, lp, 0f);
            if (s == 1) {
                freshAfterWarmup = Workspace.freshAllocations();
            }
        }
        assertEquals(freshAfterWarmup, Workspace.freshAllocations(), "warm steps borrow every buffer from the pool");
        assertArrayEquals(plain[0].toArray(), pooled[0].toArray());
    }

    @Test
    void tensorsDieWithTheirWorkspace() {
        Tensor p = Tensor.ones(3).requiresGrad(true);
        Tensor kept;
        try (var ws = Workspace.open()) {
            kept = p.mulScalar(2f);
            kept.sum().backward();
            assertTrue(p.grad() != null);
        }
        var e = assertThrows(IllegalStateException.class, kept::toArray);
        assertTrue(e.getMessage().contains("Workspace"));
        assertThrows(IllegalStateException.class, () -> kept.add(p));
        assertArrayEquals(new float[] {2, 2, 2}, p.grad().toArray(), "leaf gradients live on the heap");
    }

    @Test
    void workspacesCloseInOrder() {
        var outer = Workspace.open();
        var inner = Workspace.open();
        assertThrows(IllegalStateException.class, outer::close);
        inner.close();
        outer.close();
    }
}

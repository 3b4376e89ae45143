package bitflex.nn.train;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.nn.layers.CrossEntropyLoss;
import bitflex.nn.layers.Flatten;
import bitflex.nn.layers.Linear;
import bitflex.nn.layers.Sequential;
import org.junit.jupiter.api.Test;

class KernelWarmupTest {
    @Test
    void runsOneForwardAndBackwardPassOnTheThrowawayModel() {
        Module m = new Sequential(new Flatten(), new Linear(2 * 3 * 3, 4, 1));
        KernelWarmup.start(m, new CrossEntropyLoss(), 4, 8, 2, 3, 3).join();
        for (Tensor p : m.parameters()) {
            assertNotNull(p.grad(), "the backward pass reached every parameter");
            boolean nonZero = false;
            for (float g : p.grad().data()) {
                nonZero |= g != 0f;
            }
            assertTrue(nonZero, "gradient of a parameter is all zero");
        }
    }

    @Test
    void joinRethrowsWhatThePassThrew() {
        // 1x28x28 samples into a 5-input layer: the pass fails as the real first step would
        Module wrong = new Sequential(new Flatten(), new Linear(5, 3, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelWarmup.start(wrong, new CrossEntropyLoss(), 3, 8, 1, 28, 28).join());
        assertTrue(e.getMessage().contains("[8, 784]"), e.getMessage());
    }

    @Test
    void refusesAnEmptyBatch() {
        Module m = new Sequential(new Flatten(), new Linear(4, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> KernelWarmup.start(m, new CrossEntropyLoss(), 2, 0, 4));
    }
}

package bitflex.nn.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.nn.checkpoint.Checkpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelsTest {
    @Test
    void lenet5HasPyTorchKeysShapesAndSize() {
        Module m = Models.create("lenet5", 1);
        Checkpoint sd = m.stateDict();
        assertEquals(List.of("0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias", "11.weight",
                "11.bias"), List.copyOf(sd.names()));
        assertArrayEquals(new int[] {6, 1, 5, 5}, sd.shape("0.weight"));
        assertArrayEquals(new int[] {120, 400}, sd.shape("7.weight"));
        assertEquals(61_706, m.parameterCount());
        assertArrayEquals(new int[] {3, 10}, m.forward(Tensor.zeros(3, 1, 28, 28)).shape());
    }

    @Test
    void mlpKeysAndSize() {
        Module m = Models.create("mlp", 1);
        assertEquals(List.of("1.weight", "1.bias", "3.weight", "3.bias", "5.weight", "5.bias"), List.copyOf(m.stateDict().names()));
        assertEquals(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, m.parameterCount());
    }

    @Test
    void resnet20KeysAndForward() {
        Module m = Models.create("resnet20", 1);
        Checkpoint sd = m.stateDict();
        for (String k : new String[] {"0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
            "3.conv1.weight", "3.bn2.running_var", "6.downsample.0.weight", "6.downsample.1.running_mean", "14.weight"}) {
            assertTrue(sd.has(k), k + " in " + sd.names());
        }
        assertEquals(Checkpoint.Kind.LONG, sd.entry("1.num_batches_tracked").kind());
        assertArrayEquals(new int[] {32, 16, 3, 3}, sd.shape("6.conv1.weight"));
        // 19 convolutions + 1 linear ~ 0.27 M parameters as in the paper (for 1 input channel slightly fewer)
        assertTrue(m.parameterCount() > 260_000 && m.parameterCount() < 280_000, "params " + m.parameterCount());
        assertArrayEquals(new int[] {2, 10}, m.forward(Tensor.zeros(2, 1, 28, 28)).shape());
    }

    @Test
    void alexnetForward() {
        Module m = Models.create("alexnet", 1);
        assertArrayEquals(new int[] {2, 10}, m.eval().forward(GradCheckInput.random(2)).shape());
    }

    @Test
    void seedFixesWeightsAndStateDictRoundTrips() {
        Module a = Models.create("lenet5", 5);
        Module b = Models.create("lenet5", 5);
        Module c = Models.create("lenet5", 6);
        assertEquals(a.stateDict(), b.stateDict());
        assertNotEquals(a.stateDict(), c.stateDict());
        c.loadStateDict(a.stateDict());
        assertEquals(a.stateDict(), c.stateDict());
        // default init: uniform within +-1/sqrt(fan_in)
        float bound = (float) (1 / Math.sqrt(400));
        for (float v : a.stateDict().floats("7.weight")) {
            assertTrue(Math.abs(v) <= bound);
        }
    }

    @Test
    void loadStateDictIsStrictAndAtomic() {
        Module a = Models.create("mlp", 1);
        Checkpoint before = a.stateDict();
        Checkpoint wrongShape = Models.create("mlp", 2).stateDict().putFloats("5.bias", new int[] {9}, new float[9]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.loadStateDict(wrongShape));
        assertTrue(e.getMessage().contains("'5.bias' has shape [9]"), e.getMessage());
        assertEquals(before, a.stateDict(), "nothing was loaded");
        Checkpoint extra = a.stateDict().putFloats("6.weight", new int[] {1}, new float[1]);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.loadStateDict(extra)).getMessage().contains("unexpected keys [6.weight]"));
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> a.loadStateDict(Models.create("lenet5", 1).stateDict()));
        assertTrue(m.getMessage().contains("missing keys"), m.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Models.create("vgg", 1));
    }

    @Test
    void trainEvalModePropagates() {
        Module m = Models.create("resnet20", 1);
        m.eval();
        m.namedModules().values().forEach(x -> assertTrue(!x.isTraining()));
        m.train();
        m.namedModules().values().forEach(x -> assertTrue(x.isTraining()));
    }

    /** Random 1x28x28 inputs. */
    static final class GradCheckInput {
        static Tensor random(int n) {
            return Tensor.rand(3, n, 1, 28, 28);
        }
    }
}

package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;

/** {@code max(x, 0)} elementwise. */
public final class ReLU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.relu();
    }
}

package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.engine.tensor.Functional;

/** Flattens every dimension after the batch dimension: {@code [n, ...] -> [n, prod(...)]}. */
public final class Flatten extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return Functional.flatten(x);
    }
}

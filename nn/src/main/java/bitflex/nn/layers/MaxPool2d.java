package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.nn.functional.Functional;

/** Max pooling over non-overlapping {@code k x k} windows (stride {@code k}, no padding). */
public final class MaxPool2d extends Module {
    private final int kernel;

    public MaxPool2d(int kernel) {
        if (kernel < 1) {
            throw new IllegalArgumentException("MaxPool2d: kernel must be >= 1, got " + kernel);
        }
        this.kernel = kernel;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.maxPool2d(x, kernel);
    }

    public int kernelSize() {
        return kernel;
    }

    @Override
    protected String describe() {
        return "kernel=" + kernel;
    }
}

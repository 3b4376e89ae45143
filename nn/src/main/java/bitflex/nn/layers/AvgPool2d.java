package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.nn.functional.Functional;

/** Average pooling over non-overlapping {@code k x k} windows (stride {@code k}, no padding). */
public final class AvgPool2d extends Module {
    private final int kernel;

    public AvgPool2d(int kernel) {
        if (kernel < 1) {
            throw new IllegalArgumentException("AvgPool2d: kernel must be >= 1, got " + kernel);
        }
        this.kernel = kernel;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.avgPool2d(x, kernel);
    }

    public int kernelSize() {
        return kernel;
    }

    @Override
    protected String describe() {
        return "kernel=" + kernel;
    }
}

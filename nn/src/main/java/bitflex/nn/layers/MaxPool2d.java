package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.engine.tensor.Functional;

/** Max pooling over {@code k x k} windows with a stride and zero padding (by default stride {@code k}, no padding). */
public final class MaxPool2d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;

    /** Non-overlapping windows: stride = kernel, no padding. */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public MaxPool2d(int kernel, int stride, int padding) {
        if (kernel < 1 || stride < 1 || padding < 0 || 2 * padding > kernel) {
            throw new IllegalArgumentException("MaxPool2d: need kernel, stride >= 1 and 0 <= padding <= kernel/2, got kernel=" + kernel
                    + " stride=" + stride + " padding=" + padding);
        }
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.maxPool2d(x, kernel, stride, padding);
    }

    public int kernelSize() {
        return kernel;
    }

    @Override
    protected String describe() {
        return "kernel=" + kernel + (stride != kernel ? ", stride=" + stride : "") + (padding != 0 ? ", padding=" + padding : "");
    }
}

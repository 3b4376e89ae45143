package bitflex.nn.layers;

import bitflex.engine.tensor.Functional;
import bitflex.engine.tensor.Tensor;

/** Max pooling over {@code k x k} windows; see {@link Pool2d} for the geometry. */
public final class MaxPool2d extends Pool2d {
    /** Non-overlapping windows: stride = kernel, no padding. */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public MaxPool2d(int kernel, int stride, int padding) {
        super("MaxPool2d", kernel, stride, padding);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.maxPool2d(x, kernel, stride, padding);
    }

    /** {@code forward(x.relu())} as one fused op (bit for bit the same values and gradients). */
    public Tensor forwardAfterRelu(Tensor x) {
        return Functional.reluMaxPool2d(x, kernel, stride, padding);
    }
}

package bitflex.nn.layers;

import bitflex.engine.tensor.Functional;
import bitflex.engine.tensor.Tensor;

/** Average pooling over {@code k x k} windows; see {@link Pool2d} for the geometry. */
public final class AvgPool2d extends Pool2d {
    /** Non-overlapping windows: stride = kernel, no padding. */
    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public AvgPool2d(int kernel, int stride, int padding) {
        super("AvgPool2d", kernel, stride, padding);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.avgPool2d(x, kernel, stride, padding);
    }
}

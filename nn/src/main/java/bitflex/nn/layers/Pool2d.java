package bitflex.nn.layers;

import bitflex.nn.Module;

/**
 * The window geometry that max and average pooling share: {@code k x k} windows with a stride and
 * zero padding (by default stride {@code k}, no padding).
 */
public abstract sealed class Pool2d extends Module permits MaxPool2d, AvgPool2d {
    protected final int kernel;
    protected final int stride;
    protected final int padding;

    Pool2d(String layer, int kernel, int stride, int padding) {
        if (kernel < 1 || stride < 1 || padding < 0 || 2 * padding > kernel) {
            throw new IllegalArgumentException(layer + ": need kernel, stride >= 1 and 0 <= padding <= kernel/2, got kernel="
                    + kernel + " stride=" + stride + " padding=" + padding);
        }
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    public int kernelSize() {
        return kernel;
    }

    /** Whether the windows are 2x2 with stride 2 and no padding (the shape the fused kernels handle). */
    public boolean isTwoByTwo() {
        return kernel == 2 && stride == 2 && padding == 0;
    }

    @Override
    protected String describe() {
        return "kernel=" + kernel + (stride != kernel ? ", stride=" + stride : "") + (padding != 0 ? ", padding=" + padding : "");
    }
}

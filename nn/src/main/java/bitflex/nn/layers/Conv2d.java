package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.engine.tensor.Functional;
import bitflex.nn.init.Init;

/**
 * 2-D convolution over NCHW input: weight {@code [out, in, k, k]}, bias {@code [out]}, square
 * kernel, equal stride and zero padding on both axes (PyTorch's layout and default
 * initialisation, uniform in {@code +-1/sqrt(in * k * k)}).
 */
public final class Conv2d extends Module {
    private final int in;
    private final int out;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final Tensor weight;
    private final Tensor bias;

    /** Stride 1, no padding, with bias. */
    public Conv2d(int in, int out, int kernel, long seed) {
        this(in, out, kernel, 1, 0, true, seed);
    }

    public Conv2d(int in, int out, int kernel, int stride, int padding, boolean bias, long seed) {
        if (in < 1 || out < 1 || kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("Conv2d: need in, out, kernel, stride >= 1 and padding >= 0, got in=" + in + " out=" + out
                    + " kernel=" + kernel + " stride=" + stride + " padding=" + padding);
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        int[] shape = {out, in, kernel, kernel};
        this.weight = registerParameter("weight", Tensor.zeros(shape));
        double bound = Init.defaultBound(shape);
        Init.uniform(weight.data(), bound, Init.derive(seed, 0));
        if (bias) {
            this.bias = registerParameter("bias", Tensor.zeros(out));
            Init.uniform(this.bias.data(), bound, Init.derive(seed, 1));
        } else {
            this.bias = null;
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(x);
        return Functional.conv2d(x, weight, bias, stride, padding);
    }

    /**
     * {@code forward} then ReLU then 2x2 / stride 2 max pooling, as one fused op where the engine has
     * one (bit for bit the same values and gradients; see {@link Functional#conv2dReluMaxPool2x2}).
     * Only for stride 1.
     */
    public Tensor forwardReluMaxPool2x2(Tensor x) {
        if (stride != 1) {
            throw new IllegalStateException("Conv2d.forwardReluMaxPool2x2: stride " + stride + ", the fused op needs stride 1");
        }
        checkInput(x);
        return Functional.conv2dReluMaxPool2x2(x, weight, bias, padding);
    }

    private void checkInput(Tensor x) {
        if (x.dim() != 4 || x.size(1) != in) {
            throw new IllegalArgumentException("Conv2d(" + in + ", " + out + "): input must be [n, " + in + ", h, w], got "
                    + java.util.Arrays.toString(x.shape()));
        }
    }

    public Tensor weight() {
        return weight;
    }

    /** The bias, or null. */
    public Tensor bias() {
        return bias;
    }

    public int inChannels() {
        return in;
    }

    public int outChannels() {
        return out;
    }

    public int kernelSize() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }

    /** Output height or width for an input of size {@code size}. */
    public int outputSize(int size) {
        return (size + 2 * padding - kernel) / stride + 1;
    }

    @Override
    protected String describe() {
        return in + ", " + out + ", kernel=" + kernel + (stride != 1 ? ", stride=" + stride : "")
                + (padding != 0 ? ", padding=" + padding : "") + (bias == null ? ", bias=false" : "");
    }
}

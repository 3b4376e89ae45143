package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.engine.tensor.Functional;
import bitflex.nn.init.Init;

/**
 * Fully connected layer {@code y = x W^T + b}: weight {@code [out, in]}, bias {@code [out]}
 * (PyTorch's layout and its default initialisation, uniform in {@code +-1/sqrt(in)}).
 */
public final class Linear extends Module {
    private final int in;
    private final int out;
    private final Tensor weight;
    private final Tensor bias;

    /** A layer with bias, initialised from {@code seed}. */
    public Linear(int in, int out, long seed) {
        this(in, out, true, seed);
    }

    public Linear(int in, int out, boolean bias, long seed) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("Linear: in and out must be >= 1, got " + in + ", " + out);
        }
        this.in = in;
        this.out = out;
        this.weight = registerParameter("weight", Tensor.zeros(out, in));
        double bound = Init.defaultBound(new int[] {out, in});
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
        if (x.dim() != 2 || x.size(1) != in) {
            throw new IllegalArgumentException("Linear(" + in + ", " + out + "): input must be [n, " + in + "], got "
                    + java.util.Arrays.toString(x.shape()));
        }
        return Functional.linear(x, weight, bias);
    }

    public Tensor weight() {
        return weight;
    }

    /** The bias, or null. */
    public Tensor bias() {
        return bias;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    @Override
    protected String describe() {
        return "in=" + in + ", out=" + out + (bias == null ? ", bias=false" : "");
    }
}

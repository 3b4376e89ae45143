package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies its children in order; they are named by index ({@code 0}, {@code 1}, ...), as in PyTorch.
 * A {@link ReLU} directly followed by a {@link MaxPool2d}, neither with forward hooks, runs as the one
 * fused op {@link MaxPool2d#forwardAfterRelu} (the same values and gradients bit for bit, one full-size
 * tensor and pass fewer); a stride-1 {@link Conv2d} before them, with a 2x2 / stride 2 pool and no
 * hooks on any of the three, runs with them as {@link Conv2d#forwardReluMaxPool2x2} (the convolution's
 * full-size output is never stored). The children, their names and the state dict do not change.
 */
public final class Sequential extends Module {
    private final List<Module> layers = new ArrayList<>();

    public Sequential(Module... layers) {
        for (Module m : layers) {
            add(m);
        }
    }

    /** Appends a layer (named by its index). */
    public Sequential add(Module m) {
        registerModule(Integer.toString(layers.size()), m);
        layers.add(m);
        return this;
    }

    public Module get(int i) {
        return layers.get(i);
    }

    public int size() {
        return layers.size();
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = x;
        for (int i = 0; i < layers.size(); i++) {
            Module m = layers.get(i);
            if (m instanceof Conv2d conv && conv.stride() == 1 && i + 2 < layers.size() && layers.get(i + 1) instanceof ReLU relu
                    && layers.get(i + 2) instanceof MaxPool2d pool && pool.isTwoByTwo() && !conv.hasForwardHooks()
                    && !relu.hasForwardHooks() && !pool.hasForwardHooks()) {
                y = conv.forwardReluMaxPool2x2(y);
                i += 2;
            } else if (m instanceof ReLU && i + 1 < layers.size() && layers.get(i + 1) instanceof MaxPool2d pool
                    && !m.hasForwardHooks() && !pool.hasForwardHooks() && y.dim() == 4) {
                y = pool.forwardAfterRelu(y);
                i++;
            } else {
                y = m.apply(y);
            }
        }
        return y;
    }
}

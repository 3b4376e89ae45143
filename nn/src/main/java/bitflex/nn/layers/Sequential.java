package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import java.util.ArrayList;
import java.util.List;

/** Applies its children in order; they are named by index ({@code 0}, {@code 1}, ...), as in PyTorch. */
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
        for (Module m : layers) {
            y = m.apply(y);
        }
        return y;
    }
}

package bitflex.precision.integer;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;

/**
 * The integer-mode twin of {@link bitflex.nn.layers.ResidualBlock}: the same children under the same
 * names ({@code conv1, bn1, conv2, bn2, downsample}), the convolutions integer, and the same forward
 * {@code relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))}. The residual sum adds two float
 * carriers; the next integer layer quantizes it again.
 */
final class IntegerResidualBlock extends Module {
    private final Module conv1;
    private final Module bn1;
    private final Module conv2;
    private final Module bn2;
    private final Module downsample;

    IntegerResidualBlock(Module conv1, Module bn1, Module conv2, Module bn2, Module downsample) {
        this.conv1 = registerModule("conv1", conv1);
        this.bn1 = registerModule("bn1", bn1);
        this.conv2 = registerModule("conv2", conv2);
        this.bn2 = registerModule("bn2", bn2);
        this.downsample = downsample == null ? null : registerModule("downsample", downsample);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = bn2.apply(conv2.apply(bn1.apply(conv1.apply(x)).relu()));
        Tensor s = downsample == null ? x : downsample.apply(x);
        return y.add(s).relu();
    }
}

package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.nn.init.Init;

/**
 * The basic residual block of ResNet (He et al. 2016): {@code relu(bn2(conv2(relu(bn1(conv1(x))))) +
 * shortcut(x))} with 3x3 convolutions without bias; the shortcut is the identity, or a 1x1
 * convolution with batch norm when the stride or channel count changes. Children are named like
 * torchvision's {@code BasicBlock}: {@code conv1, bn1, conv2, bn2, downsample.0, downsample.1}.
 */
public final class ResidualBlock extends Module {
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Sequential downsample;

    public ResidualBlock(int in, int out, int stride, long seed) {
        conv1 = registerModule("conv1", new Conv2d(in, out, 3, stride, 1, false, Init.derive(seed, 0)));
        bn1 = registerModule("bn1", new BatchNorm2d(out));
        conv2 = registerModule("conv2", new Conv2d(out, out, 3, 1, 1, false, Init.derive(seed, 1)));
        bn2 = registerModule("bn2", new BatchNorm2d(out));
        downsample = stride != 1 || in != out
                ? registerModule("downsample", new Sequential(new Conv2d(in, out, 1, stride, 0, false, Init.derive(seed, 2)),
                        new BatchNorm2d(out)))
                : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = bn2.apply(conv2.apply(bn1.apply(conv1.apply(x)).relu()));
        Tensor s = downsample == null ? x : downsample.apply(x);
        return y.add(s).relu();
    }
}

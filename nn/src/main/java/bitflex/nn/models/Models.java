package bitflex.nn.models;

import bitflex.nn.Module;
import bitflex.nn.init.Init;
import bitflex.nn.layers.AvgPool2d;
import bitflex.nn.layers.BatchNorm2d;
import bitflex.nn.layers.Conv2d;
import bitflex.nn.layers.Dropout;
import bitflex.nn.layers.Flatten;
import bitflex.nn.layers.Linear;
import bitflex.nn.layers.MaxPool2d;
import bitflex.nn.layers.ReLU;
import bitflex.nn.layers.ResidualBlock;
import bitflex.nn.layers.Sequential;
import java.util.List;

/**
 * The model zoo, for 1x28x28 input (Fashion-MNIST) and 10 classes by default. Each model is a
 * {@link Sequential}, so its state-dict keys are PyTorch's for the same {@code nn.Sequential}.
 * Layers are seeded from the model seed and their position, so a seed fixes every initial weight.
 *
 * <ul>
 *   <li>{@code mlp}: Flatten, 784-256-128-10 with ReLU.</li>
 *   <li>{@code lenet5}: conv 6@5x5 pad 2, ReLU, max-pool 2, conv 16@5x5, ReLU, max-pool 2, 400-120-84-10.</li>
 *   <li>{@code resnet20}: 3x3 conv 16, BN, ReLU, three stages of three basic residual blocks with 16, 32
 *       and 64 channels (stride 2 between stages), global average pool, linear 64-10.</li>
 *   <li>{@code alexnet}: a small AlexNet-style net: five 3x3 convs (32, 64, 96, 96, 64) with ReLU
 *       and three max-pools, then dropout 0.5, 576-256-10.</li>
 * </ul>
 */
public final class Models {
    /** The names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("mlp", "lenet5", "resnet20", "alexnet");

    private Models() {}

    /** A zoo model for Fashion-MNIST (1x28x28, 10 classes). */
    public static Module create(String name, long seed) {
        return create(name, seed, 1, 28, 10);
    }

    /** A zoo model for square {@code channels x size x size} input and {@code classes} outputs. */
    public static Module create(String name, long seed, int channels, int size, int classes) {
        return switch (name) {
            case "mlp" -> mlp(channels * size * size, classes, seed);
            case "lenet5" -> lenet5(channels, size, classes, seed);
            case "resnet20" -> resnet20(channels, size, classes, seed);
            case "alexnet" -> alexnet(channels, size, classes, seed);
            default -> throw new IllegalArgumentException("unknown model '" + name + "'; choose one of " + String.join(", ", NAMES));
        };
    }

    private static long s(long seed, int i) {
        return Init.derive(seed, i);
    }

    public static Sequential mlp(int inputs, int classes, long seed) {
        return new Sequential(new Flatten(), new Linear(inputs, 256, s(seed, 1)), new ReLU(), new Linear(256, 128, s(seed, 3)),
                new ReLU(), new Linear(128, classes, s(seed, 5)));
    }

    public static Sequential lenet5(int channels, int size, int classes, long seed) {
        int afterPool1 = size / 2;
        int afterConv2 = afterPool1 - 4;
        int afterPool2 = afterConv2 / 2;
        if (afterPool2 < 1) {
            throw new IllegalArgumentException("lenet5: input size " + size + " is too small (need at least 12)");
        }
        return new Sequential(new Conv2d(channels, 6, 5, 1, 2, true, s(seed, 0)), new ReLU(), new MaxPool2d(2),
                new Conv2d(6, 16, 5, 1, 0, true, s(seed, 3)), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(16 * afterPool2 * afterPool2, 120, s(seed, 7)), new ReLU(), new Linear(120, 84, s(seed, 9)), new ReLU(),
                new Linear(84, classes, s(seed, 11)));
    }

    public static Sequential resnet20(int channels, int size, int classes, long seed) {
        if (size % 4 != 0) {
            throw new IllegalArgumentException("resnet20: input size must be a multiple of 4, got " + size);
        }
        Sequential net = new Sequential(new Conv2d(channels, 16, 3, 1, 1, false, s(seed, 0)), new BatchNorm2d(16), new ReLU());
        int in = 16;
        int block = 0;
        for (int width : new int[] {16, 32, 64}) {
            for (int b = 0; b < 3; b++) {
                int stride = b == 0 && width != 16 ? 2 : 1;
                net.add(new ResidualBlock(in, width, stride, s(seed, 100 + block++)));
                in = width;
            }
        }
        return net.add(new AvgPool2d(size / 4)).add(new Flatten()).add(new Linear(64, classes, s(seed, 200)));
    }

    public static Sequential alexnet(int channels, int size, int classes, long seed) {
        int last = size / 8;
        if (last < 1) {
            throw new IllegalArgumentException("alexnet: input size " + size + " is too small (need at least 8)");
        }
        return new Sequential(new Conv2d(channels, 32, 3, 1, 1, true, s(seed, 0)), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, 3, 1, 1, true, s(seed, 3)), new ReLU(), new MaxPool2d(2),
                new Conv2d(64, 96, 3, 1, 1, true, s(seed, 6)), new ReLU(),
                new Conv2d(96, 96, 3, 1, 1, true, s(seed, 8)), new ReLU(),
                new Conv2d(96, 64, 3, 1, 1, true, s(seed, 10)), new ReLU(), new MaxPool2d(2), new Flatten(),
                new Dropout(0.5, s(seed, 14)), new Linear(64 * last * last, 256, s(seed, 15)), new ReLU(),
                new Dropout(0.5, s(seed, 17)), new Linear(256, classes, s(seed, 18)));
    }
}

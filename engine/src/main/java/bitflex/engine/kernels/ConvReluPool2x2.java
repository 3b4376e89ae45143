package bitflex.engine.kernels;

import bitflex.engine.parallel.Parallel;

/**
 * A stride-1 convolution, ReLU and 2x2 / stride 2 max pooling as one kernel (LeNet-5's conv, ReLU,
 * pool blocks), bit for bit the values and gradients of {@link Conv2dKernel} followed by
 * {@link MaxPool2x2} with ReLU.
 *
 * <p>Why: run apart, the convolution writes its full-size output (LeNet-5's first: 1.2 MB a batch),
 * the pool reads it back, and the pool's backward reads it again to find each window's winner and
 * writes a full-size gradient. Here the pool runs on each sample's wide grid (or, for the layers
 * {@link Conv2dLanes} takes, on the sample's planes copied out of the lane layout) while it is still in
 * cache and keeps only the pooled output and each window's winner (lane bit masks); backward turns
 * the pooled gradient and the winners into the convolution's output gradient ({@link #outputGradient})
 * and hands it to {@link Conv2dKernel#backward}. The full-size output is never stored, so it is not
 * held from the forward to the backward pass either. Its reference is the composite (the direct
 * convolution, then {@link MaxPool2x2} with ReLU, each with its scalar twin); the tests compare the
 * two bit for bit.
 */
public final class ConvReluPool2x2 {
    private ConvReluPool2x2() {}

    /** Whether the fused kernel runs this convolution: one the direct kernel takes, with an output of at least 2x2. */
    public static boolean applies(ConvGeometry conv) {
        return Conv2dDirectMulti.applies(conv) && Conv2dKernel.prefersDirect(conv) && conv.oh() >= 2 && conv.ow() >= 2;
    }

    /** Ints of winner masks {@link #forward} writes for n samples and o output channels. */
    public static int winnerInts(int n, int o, ConvGeometry conv) {
        return n * o * MaxPool2x2.winnerInts(conv.oh(), conv.ow());
    }

    /**
     * pooled[N, O, OH/2, OW/2] = maxpool2x2(relu(conv(x, w) + b)) (b may be null); winners
     * ({@link #winnerInts} long, or null when no gradient is wanted) where each window's gradient goes,
     * for {@link #outputGradient}.
     */
    public static void forward(float[] x, int n, ConvGeometry g, float[] w, int o, float[] b, float[] pooled, int[] winners) {
        if (!applies(g)) {
            throw new IllegalArgumentException("conv2d + relu + maxpool: the fused kernel does not run " + g);
        }
        if (Conv2dLanes.applies(g)) {
            Parallel.forEach(Conv2dLanes.groups(n), c -> {
                int from = c * Conv2dLanes.VL;
                Conv2dLanes.forwardGroupReluPool(x, from, Math.min(n, from + Conv2dLanes.VL) - from, g, w, o, b, pooled, winners);
            });
            return;
        }
        int per = Conv2dKernel.samplesPerChunk(n, g);
        Parallel.forEach((n + per - 1) / per, c -> {
            int from = c * per;
            Conv2dDirectMulti.forwardChunkReluPool(x, from, Math.min(n, from + per) - from, g, w, o, b, pooled, winners);
        });
    }

    /**
     * dy[N, O, OH, OW] (overwritten) = the gradient of the convolution's output: each window's pooled
     * gradient + 0 at its winner (as the pool's backward writes it), 0 everywhere else.
     */
    public static void outputGradient(float[] dPooled, int[] winners, int n, int o, ConvGeometry g, float[] dy) {
        Parallel.forRange(n * o, Math.max(1, 8192 / (g.oh() * g.ow())),
                (from, to) -> MaxPool2x2.reluBackwardFromWinners(dPooled, winners, g.oh(), g.ow(), from, to, dy));
    }
}

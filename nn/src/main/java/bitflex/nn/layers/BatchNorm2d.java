package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.engine.tensor.Functional;
import java.util.Arrays;

/**
 * Batch normalisation per channel of NCHW input, with learnable scale ({@code weight}, 1) and
 * shift ({@code bias}, 0) and running statistics ({@code running_mean} 0, {@code running_var} 1,
 * {@code num_batches_tracked}) under PyTorch's names. Training mode normalises with batch
 * statistics and updates the running ones; evaluation mode uses the running ones.
 */
public final class BatchNorm2d extends Module {
    private final int channels;
    private final double eps;
    private final double momentum;
    private final Tensor weight;
    private final Tensor bias;
    private final float[] runningMean;
    private final float[] runningVar;
    private final Tensor runningMeanT;
    private final Tensor runningVarT;
    private final long[] batches = new long[1];

    /** eps 1e-5, momentum 0.1 (PyTorch's defaults). */
    public BatchNorm2d(int channels) {
        this(channels, 1e-5, 0.1);
    }

    public BatchNorm2d(int channels, double eps, double momentum) {
        if (channels < 1 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm2d: need channels >= 1, eps > 0, momentum in [0, 1], got " + channels + ", "
                    + eps + ", " + momentum);
        }
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = registerParameter("weight", Tensor.ones(channels));
        this.bias = registerParameter("bias", Tensor.zeros(channels));
        this.runningMean = registerBuffer("running_mean", new int[] {channels}, new float[channels]);
        float[] ones = new float[channels];
        Arrays.fill(ones, 1f);
        this.runningVar = registerBuffer("running_var", new int[] {channels}, ones);
        registerCounter("num_batches_tracked", batches);
        this.runningMeanT = Tensor.of(runningMean, channels);
        this.runningVarT = Tensor.of(runningVar, channels);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 4 || x.size(1) != channels) {
            throw new IllegalArgumentException("BatchNorm2d(" + channels + "): input must be [n, " + channels + ", h, w], got "
                    + Arrays.toString(x.shape()));
        }
        if (isTraining()) {
            batches[0]++;
        }
        return Functional.batchNorm2d(x, runningMeanT, runningVarT, weight, bias, isTraining(), (float) momentum, (float) eps);
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor bias() {
        return bias;
    }

    /** The running mean (live array). */
    public float[] runningMean() {
        return runningMean;
    }

    /** The running variance (live array). */
    public float[] runningVar() {
        return runningVar;
    }

    public long batchesTracked() {
        return batches[0];
    }

    @Override
    protected String describe() {
        return Integer.toString(channels);
    }
}

package bitflex.engine.tensor;

import bitflex.engine.autograd.Op;
import bitflex.engine.kernels.BatchNormKernel;
import bitflex.engine.kernels.Conv2dKernel;
import bitflex.engine.kernels.ConvReluPool2x2;
import bitflex.engine.kernels.ConvGeometry;
import bitflex.engine.kernels.FloatKernels;
import bitflex.engine.kernels.LossKernels;
import bitflex.engine.kernels.PoolKernels;
import bitflex.engine.parallel.Parallel;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The fused neural-network primitives, each one autograd op with its own derivative rule (in
 * {@link bitflex.engine.autograd.Derivatives}) and fast kernels: linear, conv2d, max/avg pooling,
 * batch norm, dropout, cross-entropy and MSE. Layouts follow PyTorch (NCHW activations, Linear weight
 * [out, in], Conv2d weight [out, in, kh, kw]).
 */
public final class Functional {
    private Functional() {}

    /** y = x w^T + b, x [..., in], w [out, in], b [out] or null; one GEMM (B transposed). */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        if (w.dim() != 2 || x.dim() < 1 || x.shape[x.dim() - 1] != w.shape[1]) {
            throw new IllegalArgumentException("linear: input " + Shapes.str(x.shape) + " and weight " + Shapes.str(w.shape)
                    + " do not match (need [..., in] and [out, in])");
        }
        int in = w.shape[1];
        int outF = w.shape[0];
        if (b != null && (b.dim() != 1 || b.shape[0] != outF)) {
            throw new IllegalArgumentException("linear: bias " + Shapes.str(b.shape) + " for weight " + Shapes.str(w.shape));
        }
        int n = x.numel / Math.max(1, in);
        int[] outShape = x.shape.clone();
        outShape[outShape.length - 1] = outF;
        Tensor y = Tensor.empty(outShape);
        float beta = 0f;
        if (b != null && n > 0) {
            float[] bd = b.denseData();
            for (int r = 0; r < n; r++) {
                System.arraycopy(bd, 0, y.data, r * outF, outF);
            }
            beta = 1f;
        }
        float[] xd = x.denseData();
        float[] wd = w.denseData();
        if (n > 0 && outF > 0) {
            if (in == 0) {
                if (b == null) {
                    Arrays.fill(y.data, 0f);
                }
            } else {
                bitflex.engine.gemm.Sgemm.sgemm(false, true, n, outF, in, 1f, xd, 0, in, wd, 0, in, beta, y.data, 0, outF);
            }
        }
        return Tensor.needsGrad(x, w, b) ? y.record(new Op.Linear(x, w, b)) : y;
    }

    /** conv2d with equal stride and padding in both directions. */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor b, int stride, int padding) {
        return conv2d(x, w, b, stride, stride, padding, padding);
    }

    /**
     * 2-D convolution: x [N, C, H, W], w [O, C, KH, KW], b [O] or null; output [N, O, OH, OW] with
     * OH = (H + 2 padH - KH) / strideH + 1. im2col + GEMM (see {@link Conv2dKernel} for why).
     */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor b, int strideH, int strideW, int padH, int padW) {
        checkConvOperands("conv2d", x, w, b);
        int o = w.shape[0];
        ConvGeometry g = geometry("conv2d", x, w.shape[2], w.shape[3], strideH, strideW, padH, padW);
        int n = x.shape[0];
        Tensor y = Tensor.empty(n, o, g.oh(), g.ow());
        boolean grad = Tensor.needsGrad(x, w, b);
        long keep = grad && w.requiresGrad() ? Conv2dKernel.columnCacheSize(n, g) : 0;
        float[] cols = keep > 0 ? Workspace.borrowFloats((int) keep) : null;
        Conv2dKernel.forward(x.denseData(), n, g, w.denseData(), o, b == null ? null : b.denseData(), y.data, cols);
        return grad ? y.record(new Op.Conv2d(x, w, b, g, cols)) : y;
    }

    private static void checkConvOperands(String op, Tensor x, Tensor w, Tensor b) {
        if (x.dim() != 4 || w.dim() != 4 || x.shape[1] != w.shape[1]) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(x.shape) + " and weight " + Shapes.str(w.shape)
                    + " do not match (need [N, C, H, W] and [O, C, KH, KW])");
        }
        if (b != null && (b.dim() != 1 || b.shape[0] != w.shape[0])) {
            throw new IllegalArgumentException(op + ": bias " + Shapes.str(b.shape) + " for weight " + Shapes.str(w.shape));
        }
    }

    /**
     * {@code reluMaxPool2d(conv2d(x, w, b, 1, padding), 2, 2, 0)}: bit for bit the same values and
     * gradients, as one op where {@link ConvReluPool2x2} runs the convolution (it never stores the
     * full-size convolution output), else as those two ops.
     */
    public static Tensor conv2dReluMaxPool2x2(Tensor x, Tensor w, Tensor b, int padding) {
        checkConvOperands("conv2d", x, w, b);
        ConvGeometry g = geometry("conv2d", x, w.shape[2], w.shape[3], 1, 1, padding, padding);
        if (!ConvReluPool2x2.applies(g)) {
            return reluMaxPool2d(conv2d(x, w, b, 1, padding), 2, 2, 0);
        }
        int n = x.shape[0], o = w.shape[0];
        Tensor y = Tensor.empty(n, o, g.oh() / 2, g.ow() / 2);
        boolean grad = Tensor.needsGrad(x, w, b);
        // the winner masks serve only the backward pass
        int[] winners = grad ? Workspace.borrowInts(ConvReluPool2x2.winnerInts(n, o, g)) : null;
        ConvReluPool2x2.forward(x.denseData(), n, g, w.denseData(), o, b == null ? null : b.denseData(), y.data, winners);
        return grad ? y.record(new Op.Conv2dReluMaxPool(x, w, b, g, winners)) : y;
    }

    /** Max pooling with a square window. */
    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        return maxPool2d(x, kernel, kernel, stride, stride, padding, padding);
    }

    /**
     * Max pooling over NCHW planes; padding at most half the window (as PyTorch). NaN propagates;
     * the gradient goes to the first window element (row-major) equal to the maximum.
     */
    public static Tensor maxPool2d(Tensor x, int kH, int kW, int strideH, int strideW, int padH, int padW) {
        ConvGeometry g = poolGeometry("maxPool2d", x, kH, kW, strideH, strideW, padH, padW);
        int planes = x.shape[0] * x.shape[1];
        Tensor y = Tensor.empty(x.shape[0], x.shape[1], g.oh(), g.ow());
        float[] xd = x.denseData();
        Parallel.forRange(planes, planeGrain(g), (f, t) -> PoolKernels.maxForward(xd, g, f, t, y.data));
        return Tensor.needsGrad(x) ? y.record(new Op.MaxPool2d(x, g, y)) : y;
    }

    /**
     * {@code maxPool2d(x.relu(), ...)} as one op, bit for bit the same values and gradients, without
     * the full-size ReLU output and its backward pass.
     */
    public static Tensor reluMaxPool2d(Tensor x, int kernel, int stride, int padding) {
        ConvGeometry g = poolGeometry("reluMaxPool2d", x, kernel, kernel, stride, stride, padding, padding);
        int planes = x.shape[0] * x.shape[1];
        Tensor y = Tensor.empty(x.shape[0], x.shape[1], g.oh(), g.ow());
        float[] xd = x.denseData();
        Parallel.forRange(planes, planeGrain(g), (f, t) -> PoolKernels.reluMaxForward(xd, g, f, t, y.data));
        return Tensor.needsGrad(x) ? y.record(new Op.ReluMaxPool2d(x, g, y)) : y;
    }

    /** Average pooling with a square window. */
    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        return avgPool2d(x, kernel, kernel, stride, stride, padding, padding);
    }

    /** Average pooling over NCHW planes, dividing by KH * KW (PyTorch's count_include_pad=true). */
    public static Tensor avgPool2d(Tensor x, int kH, int kW, int strideH, int strideW, int padH, int padW) {
        ConvGeometry g = poolGeometry("avgPool2d", x, kH, kW, strideH, strideW, padH, padW);
        int planes = x.shape[0] * x.shape[1];
        Tensor y = Tensor.empty(x.shape[0], x.shape[1], g.oh(), g.ow());
        float[] xd = x.denseData();
        Parallel.forRange(planes, planeGrain(g), (f, t) -> PoolKernels.avgForward(xd, g, f, t, y.data));
        return Tensor.needsGrad(x) ? y.record(new Op.AvgPool2d(x, g)) : y;
    }

    /**
     * Batch normalisation of x [N, C, H, W] (or [N, C]) per channel. Training: normalises with the
     * batch mean and biased variance and updates {@code runningMean}/{@code runningVar} in place
     * (running = (1 - momentum) running + momentum batch, the variance unbiased, as PyTorch); either may
     * be null to skip tracking. Eval: normalises with the running statistics. gamma [C] and beta [C]
     * may be null (no affine transform).
     */
    public static Tensor batchNorm2d(Tensor x, Tensor runningMean, Tensor runningVar, Tensor gamma, Tensor beta,
                                     boolean training, float momentum, float eps) {
        if (x.dim() != 4 && x.dim() != 2) {
            throw new IllegalArgumentException("batchNorm2d: input " + Shapes.str(x.shape) + " must be [N, C, H, W] or [N, C]");
        }
        int n = x.shape[0];
        int c = x.shape[1];
        int hw = x.dim() == 4 ? x.shape[2] * x.shape[3] : 1;
        for (Tensor t : new Tensor[] {runningMean, runningVar, gamma, beta}) {
            if (t != null && (t.dim() != 1 || t.shape[0] != c)) {
                throw new IllegalArgumentException("batchNorm2d: per-channel tensor " + Shapes.str(t.shape)
                        + " for input " + Shapes.str(x.shape));
            }
        }
        if (!training && (runningMean == null || runningVar == null)) {
            throw new IllegalArgumentException("batchNorm2d: eval mode needs running mean and variance");
        }
        if (training && (long) n * hw < 2) {
            throw new IllegalArgumentException("batchNorm2d: training needs more than one value per channel, got input "
                    + Shapes.str(x.shape));
        }
        Tensor y = Tensor.empty(x.shape);
        float[] xhat = Workspace.borrowFloats(x.numel);
        float[] invStd = Workspace.borrowFloats(c);
        float[] bm = Workspace.borrowFloats(c);
        float[] bv = Workspace.borrowFloats(c);
        BatchNormKernel.forward(x.denseData(), n, c, hw,
                training ? null : runningMean.denseData(), training ? null : runningVar.denseData(), eps,
                gamma == null ? null : gamma.denseData(), beta == null ? null : beta.denseData(), bm, bv, xhat, y.data, invStd);
        if (training) {
            long m = (long) n * hw;
            if (runningMean != null) {
                float[] rm = runningMean.data();
                for (int i = 0; i < c; i++) {
                    rm[i] = (1f - momentum) * rm[i] + momentum * bm[i];
                }
            }
            if (runningVar != null) {
                float[] rv = runningVar.data();
                float unbias = (float) ((double) m / (m - 1));
                for (int i = 0; i < c; i++) {
                    rv[i] = (1f - momentum) * rv[i] + momentum * bv[i] * unbias;
                }
            }
        }
        return Tensor.needsGrad(x, gamma, beta) ? y.record(new Op.BatchNorm2d(x, gamma, beta, xhat, invStd, training)) : y;
    }

    /**
     * Inverted dropout: in training, zeroes each element with probability p and scales the rest by
     * 1/(1-p); the mask is drawn from one {@code rng.nextLong()} and a per-element hash, so it is
     * reproducible from the generator's seed and independent of threading. Identity when not training
     * or p == 0.
     */
    public static Tensor dropout(Tensor x, float p, boolean training, RandomGenerator rng) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        }
        if (!training || p == 0f) {
            return x;
        }
        float[] mask = Workspace.borrowFloats(x.numel);
        LossKernels.dropoutMask(rng.nextLong(), p, mask);
        float[] xd = x.denseData();
        Tensor y = Tensor.empty(x.shape);
        Parallel.forRange(x.numel, Tensor.GRAIN, (f, t) -> FloatKernels.binary(FloatKernels.MUL, xd, f, mask, f, y.data, f, t - f));
        return Tensor.needsGrad(x) ? y.record(new Op.Dropout(x, mask)) : y;
    }

    /** Mean cross-entropy of logits [N, C] against integer class labels, fused with log-softmax. */
    public static Tensor crossEntropy(Tensor logits, int[] labels) {
        if (logits.dim() != 2) {
            throw new IllegalArgumentException("crossEntropy: logits " + Shapes.str(logits.shape) + " must be [N, C]");
        }
        int n = logits.shape[0];
        int c = logits.shape[1];
        if (labels.length != n) {
            throw new IllegalArgumentException("crossEntropy: " + labels.length + " labels for logits " + Shapes.str(logits.shape));
        }
        if (n == 0 || c == 0) {
            throw new IllegalArgumentException("crossEntropy: empty logits " + Shapes.str(logits.shape));
        }
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= c) {
                throw new IllegalArgumentException("crossEntropy: label " + labels[i] + " at index " + i + " outside [0, " + c + ")");
            }
        }
        float[] probs = Workspace.borrowFloats(n * c);
        float loss = LossKernels.crossEntropy(logits.denseData(), n, c, labels, probs);
        Tensor y = Tensor.empty();
        y.data[0] = loss;
        return Tensor.needsGrad(logits) ? y.record(new Op.CrossEntropy(logits, labels.clone(), probs)) : y;
    }

    /** Mean squared error of two tensors of the same shape. */
    public static Tensor mseLoss(Tensor pred, Tensor target) {
        if (!Arrays.equals(pred.shape, target.shape)) {
            throw new IllegalArgumentException("mseLoss: shapes " + Shapes.str(pred.shape) + " and " + Shapes.str(target.shape) + " differ");
        }
        if (pred.numel == 0) {
            throw new IllegalArgumentException("mseLoss: empty tensors " + Shapes.str(pred.shape));
        }
        Tensor y = Tensor.empty();
        y.data[0] = LossKernels.mse(pred.denseData(), target.denseData(), pred.numel);
        return Tensor.needsGrad(pred, target) ? y.record(new Op.MseLoss(pred, target)) : y;
    }

    /** [N, ...] -> [N, prod(...)] (a view when dense). */
    public static Tensor flatten(Tensor x) {
        if (x.dim() < 1) {
            throw new IllegalArgumentException("flatten: needs at least one dimension, got " + Shapes.str(x.shape));
        }
        return x.flatten(1);
    }

    private static ConvGeometry geometry(String op, Tensor x, int kh, int kw, int sh, int sw, int ph, int pw) {
        try {
            return new ConvGeometry(x.shape[1], x.shape[2], x.shape[3], kh, kw, sh, sw, ph, pw);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(x.shape) + ": " + e.getMessage(), e);
        }
    }

    private static ConvGeometry poolGeometry(String op, Tensor x, int kh, int kw, int sh, int sw, int ph, int pw) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(x.shape) + " must be [N, C, H, W]");
        }
        if (ph * 2 > kh || pw * 2 > kw) {
            throw new IllegalArgumentException(op + ": padding " + ph + "x" + pw + " exceeds half the kernel " + kh + "x" + kw);
        }
        return geometry(op, x, kh, kw, sh, sw, ph, pw);
    }

    private static int planeGrain(ConvGeometry g) {
        return Math.max(1, (Tensor.GRAIN / 4) / Math.max(1, g.h() * g.w()));
    }
}

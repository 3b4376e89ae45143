package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * An independent reference for the engine's fused nn primitives: the same functions written as
 * compositions of elementary tensor ops (matmul, reshape, narrow, max, mean, ...), whose derivative
 * rules are separate from the fused ones. Tests compare the layers (on the fused ops) with these,
 * forward and backward.
 */
final class CompositeOps {
    private CompositeOps() {}

    /** {@code x w^T + b} for x {@code [n, in]}, w {@code [out, in]}, b {@code [out]} (may be null). */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        if (x.dim() != 2 || w.dim() != 2 || x.size(1) != w.size(1) || (b != null && (b.dim() != 1 || b.size(0) != w.size(0)))) {
            throw new IllegalArgumentException("linear: input " + Arrays.toString(x.shape()) + ", weight " + Arrays.toString(w.shape())
                    + (b == null ? "" : ", bias " + Arrays.toString(b.shape())) + " do not fit ([n, in], [out, in], [out])");
        }
        Tensor y = x.matmul(w.t());
        return b == null ? y : y.add(b);
    }

    /** Mean cross-entropy of logits {@code [n, classes]} against {@code labels[0..n)} (fused log-softmax). */
    public static Tensor crossEntropy(Tensor logits, int[] labels, int n) {
        if (logits.dim() != 2 || logits.size(0) != n || labels.length < n) {
            throw new IllegalArgumentException("crossEntropy: logits " + Arrays.toString(logits.shape()) + " for " + n + " labels (of "
                    + labels.length + ")");
        }
        int c = logits.size(1);
        Tensor weights = Tensor.emptyZeroed(n, c);
        float[] wd = weights.data();
        float neg = -1f / n;
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= c) {
                throw new IllegalArgumentException("crossEntropy: label " + labels[i] + " of sample " + i + " is outside [0, " + c + ")");
            }
            wd[i * c + labels[i]] = neg;
        }
        return logits.logSoftmax(1).mul(weights).sum();
    }

    /** Mean squared error over all elements. */
    public static Tensor mseLoss(Tensor pred, Tensor target) {
        if (!Arrays.equals(pred.shape(), target.shape())) {
            throw new IllegalArgumentException("mseLoss: prediction " + Arrays.toString(pred.shape()) + " and target "
                    + Arrays.toString(target.shape()) + " differ");
        }
        return pred.sub(target).square().mean();
    }

    /** Flattens all dimensions after the first. */
    public static Tensor flatten(Tensor x) {
        return x.flatten(1);
    }

    /**
     * Inverted dropout: each element is zeroed with probability {@code p} and the rest scaled by
     * {@code 1/(1-p)}; the mask comes from {@code rng}.
     */
    public static Tensor dropout(Tensor x, double p, SplittableRandom rng) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        }
        if (p == 0) {
            return x;
        }
        Tensor mask = Tensor.empty(x.shape());
        float[] m = mask.data();
        float keep = (float) (1 / (1 - p));
        for (int i = 0; i < m.length; i++) {
            m[i] = rng.nextDouble() < p ? 0f : keep;
        }
        return x.mul(mask);
    }

    private static void check4d(String op, Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException(op + ": input must be NCHW (4-D), got " + Arrays.toString(x.shape()));
        }
    }

    /**
     * Max pooling with a square window of {@code k} and stride {@code k} (non-overlapping, no
     * padding; trailing rows and columns that do not fill a window are dropped, as in PyTorch).
     */
    public static Tensor maxPool2d(Tensor x, int k) {
        return pool("maxPool2d", x, k, true);
    }

    /** Average pooling with window {@code k} and stride {@code k} (non-overlapping, no padding). */
    public static Tensor avgPool2d(Tensor x, int k) {
        return pool("avgPool2d", x, k, false);
    }

    private static Tensor pool(String op, Tensor x, int k, boolean max) {
        check4d(op, x);
        int[] s = x.shape();
        if (k < 1 || s[2] < k || s[3] < k) {
            throw new IllegalArgumentException(op + ": kernel " + k + " does not fit input " + Arrays.toString(s));
        }
        int ho = s[2] / k;
        int wo = s[3] / k;
        Tensor t = x;
        if (ho * k != s[2]) {
            t = t.narrow(2, 0, ho * k);
        }
        if (wo * k != s[3]) {
            t = t.narrow(3, 0, wo * k);
        }
        t = t.reshape(s[0], s[1], ho, k, wo, k);
        return max ? t.max(new int[] {3, 5}, false) : t.mean(new int[] {3, 5}, false);
    }

    /**
     * Batch normalisation over N, H and W per channel. In training it normalises with the batch's
     * statistics and updates the running ones in place ({@code running = (1 - momentum) * running +
     * momentum * batch}, the variance unbiased, as PyTorch does); in evaluation it uses the running
     * statistics.
     */
    public static Tensor batchNorm2d(Tensor x, Tensor gamma, Tensor beta, float[] runningMean, float[] runningVar,
                                     boolean training, double momentum, double eps) {
        check4d("batchNorm2d", x);
        int c = x.size(1);
        if (gamma.numel() != c || beta.numel() != c || runningMean.length != c || runningVar.length != c) {
            throw new IllegalArgumentException("batchNorm2d: input " + Arrays.toString(x.shape()) + " has " + c
                    + " channels, parameters have " + gamma.numel());
        }
        Tensor g = gamma.reshape(1, c, 1, 1);
        Tensor b = beta.reshape(1, c, 1, 1);
        if (!training) {
            Tensor mean = Tensor.empty(1, c, 1, 1);
            Tensor inv = Tensor.empty(1, c, 1, 1);
            for (int i = 0; i < c; i++) {
                mean.data()[i] = runningMean[i];
                inv.data()[i] = (float) (1 / Math.sqrt(runningVar[i] + eps));
            }
            return x.sub(mean).mul(inv).mul(g).add(b);
        }
        int count = x.size(0) * x.size(2) * x.size(3);
        if (count < 2) {
            throw new IllegalArgumentException("batchNorm2d: training needs more than one value per channel, got input "
                    + Arrays.toString(x.shape()));
        }
        int[] axes = {0, 2, 3};
        Tensor mean = x.mean(axes, true);
        Tensor centered = x.sub(mean);
        Tensor var = centered.square().mean(axes, true);
        Tensor inv = var.addScalar((float) eps).pow(-0.5f);
        float[] mv = mean.data();
        float[] vv = var.data();
        double unbias = (double) count / (count - 1);
        for (int i = 0; i < c; i++) {
            runningMean[i] = (float) ((1 - momentum) * runningMean[i] + momentum * mv[i]);
            runningVar[i] = (float) ((1 - momentum) * runningVar[i] + momentum * vv[i] * unbias);
        }
        return centered.mul(inv).mul(g).add(b);
    }

    /**
     * 2-D convolution (cross-correlation, as PyTorch), NCHW: x {@code [n, cin, h, w]}, weight
     * {@code [cout, cin, kh, kw]}, bias {@code [cout]} or null, zero padding, equal strides.
     *
     * <p>Built from matrix products: zero padding is a product with a 0/1 matrix, the convolution is
     * the sum over kernel offsets of a shifted view times that offset's {@code [cin, cout]} weight
     * slice, and a stride is a 0/1 selection product.
     */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor b, int stride, int padding) {
        check4d("conv2d", x);
        int[] xs = x.shape();
        int[] ws = w.shape();
        if (ws.length != 4 || ws[1] != xs[1] || (b != null && (b.dim() != 1 || b.size(0) != ws[0])) || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("conv2d: input " + Arrays.toString(xs) + ", weight " + Arrays.toString(ws)
                    + (b == null ? "" : ", bias " + Arrays.toString(b.shape())) + ", stride " + stride + ", padding " + padding
                    + " do not fit ([n, cin, h, w], [cout, cin, kh, kw], [cout])");
        }
        int n = xs[0];
        int cin = xs[1];
        int cout = ws[0];
        int kh = ws[2];
        int kw = ws[3];
        int hp = xs[2] + 2 * padding;
        int wp = xs[3] + 2 * padding;
        if (hp < kh || wp < kw) {
            throw new IllegalArgumentException("conv2d: kernel " + kh + "x" + kw + " is larger than the padded input " + hp + "x" + wp);
        }
        Tensor xp = padding == 0 ? x : pad(x, padding);
        int h1 = hp - kh + 1;
        int w1 = wp - kw + 1;
        Tensor acc = null;
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                Tensor patch = xp.narrow(2, i, h1).narrow(3, j, w1).permute(0, 2, 3, 1).reshape(n * h1 * w1, cin);
                Tensor wij = w.narrow(2, i, 1).narrow(3, j, 1).reshape(cout, cin);
                Tensor term = patch.matmul(wij.t());
                acc = acc == null ? term : acc.add(term);
            }
        }
        Tensor y = acc.reshape(n, h1, w1, cout);
        if (stride > 1) {
            int ho = (h1 - 1) / stride + 1;
            int wo = (w1 - 1) / stride + 1;
            // rows: [n, h1, w1*cout] -> select every stride-th row of h1, then of w1
            y = y.permute(0, 2, 3, 1).reshape(n * w1 * cout, h1).matmul(selection(h1, ho, stride)).reshape(n, w1, cout, ho)
                    .permute(0, 3, 2, 1).reshape(n * ho * cout, w1).matmul(selection(w1, wo, stride)).reshape(n, ho, cout, wo)
                    .permute(0, 1, 3, 2);
        }
        if (b != null) {
            y = y.add(b);
        }
        return y.permute(0, 3, 1, 2).contiguous();
    }

    /** Zero-pads H and W of an NCHW tensor by {@code p} on each side. */
    static Tensor pad(Tensor x, int p) {
        int[] s = x.shape();
        Tensor padW = x.reshape(s[0] * s[1] * s[2], s[3]).matmul(embedding(s[3], p)).reshape(s[0], s[1], s[2], s[3] + 2 * p);
        return padW.transpose(2, 3).reshape(s[0] * s[1] * (s[3] + 2 * p), s[2]).matmul(embedding(s[2], p))
                .reshape(s[0], s[1], s[3] + 2 * p, s[2] + 2 * p).transpose(2, 3);
    }

    /** [len, len + 2p] with ones on the shifted diagonal: right-multiplying pads a row with p zeros each side. */
    private static Tensor embedding(int len, int p) {
        Tensor m = Tensor.emptyZeroed(len, len + 2 * p);
        float[] d = m.data();
        for (int i = 0; i < len; i++) {
            d[i * (len + 2 * p) + i + p] = 1f;
        }
        return m;
    }

    /** [len, out] picking every stride-th element of a row. */
    private static Tensor selection(int len, int out, int stride) {
        Tensor m = Tensor.emptyZeroed(len, out);
        float[] d = m.data();
        for (int o = 0; o < out; o++) {
            d[o * stride * out + o] = 1f;
        }
        return m;
    }
}

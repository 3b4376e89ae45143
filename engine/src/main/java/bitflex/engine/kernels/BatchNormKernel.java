package bitflex.engine.kernels;

import bitflex.engine.parallel.Parallel;

/**
 * Batch normalisation over an NCHW tensor, per channel, forward and backward. Parallel over channels
 * (each task owns its channels' outputs and reduces over samples in order), so results do not depend
 * on the thread count. Batch statistics are accumulated in double; the variance is the two-pass
 * {@code sum((x - mean)^2) / M}.
 */
public final class BatchNormKernel {
    private BatchNormKernel() {}

    /**
     * Normalises x[N, C, HW]. With {@code mean == null} the batch statistics are computed, written
     * to {@code batchMean}/{@code batchVar} (biased), and used; otherwise the given mean/var are used.
     * Writes xhat = (x - mean) * invStd, y = gamma * xhat + beta (gamma/beta may be null: 1 and 0),
     * and invStd per channel.
     */
    public static void forward(float[] x, int n, int c, int hw, float[] mean, float[] var, float eps,
                               float[] gamma, float[] beta, float[] batchMean, float[] batchVar,
                               float[] xhat, float[] y, float[] invStd) {
        Parallel.forRange(c, channelGrain(n, hw), (from, to) -> {
            for (int ch = from; ch < to; ch++) {
                float mu;
                float v;
                if (mean == null) {
                    double s = 0;
                    for (int s0 = 0; s0 < n; s0++) {
                        s += FloatKernels.sum(x, (s0 * c + ch) * hw, hw);
                    }
                    long m = (long) n * hw;
                    double dm = s / m;
                    double sq = 0;
                    for (int s0 = 0; s0 < n; s0++) {
                        int off = (s0 * c + ch) * hw;
                        for (int i = 0; i < hw; i++) {
                            double d = x[off + i] - dm;
                            sq += d * d;
                        }
                    }
                    mu = (float) dm;
                    v = (float) (sq / m);
                    batchMean[ch] = mu;
                    batchVar[ch] = v;
                } else {
                    mu = mean[ch];
                    v = var[ch];
                }
                float is = (float) (1.0 / Math.sqrt((double) v + eps));
                invStd[ch] = is;
                float gm = gamma == null ? 1f : gamma[ch];
                float bt = beta == null ? 0f : beta[ch];
                for (int s0 = 0; s0 < n; s0++) {
                    int off = (s0 * c + ch) * hw;
                    FloatKernels.scaleShift(x, off, is, -mu * is, xhat, off, hw);
                    FloatKernels.scaleShift(xhat, off, gm, bt, y, off, hw);
                }
            }
        });
    }

    /**
     * Gradients from dy. With batch statistics: dx = invStd/M * (M*dxhat - sum(dxhat) - xhat*sum(dxhat*xhat)),
     * dxhat = dy*gamma; with fixed statistics: dx = dy*gamma*invStd. dgamma = sum(dy*xhat), dbeta =
     * sum(dy). Any of dx, dgamma, dbeta may be null (not wanted).
     */
    public static void backward(float[] dy, float[] xhat, float[] invStd, float[] gamma, int n, int c, int hw,
                                boolean batchStats, float[] dx, float[] dgamma, float[] dbeta) {
        Parallel.forRange(c, channelGrain(n, hw), (from, to) -> {
            for (int ch = from; ch < to; ch++) {
                double sdy = 0;
                double sdyx = 0;
                for (int s0 = 0; s0 < n; s0++) {
                    int off = (s0 * c + ch) * hw;
                    sdy += FloatKernels.sum(dy, off, hw);
                    sdyx += FloatKernels.dot(dy, off, xhat, off, hw);
                }
                if (dgamma != null) {
                    dgamma[ch] = (float) sdyx;
                }
                if (dbeta != null) {
                    dbeta[ch] = (float) sdy;
                }
                if (dx == null) {
                    continue;
                }
                float gm = gamma == null ? 1f : gamma[ch];
                float is = invStd[ch];
                if (!batchStats) {
                    for (int s0 = 0; s0 < n; s0++) {
                        int off = (s0 * c + ch) * hw;
                        FloatKernels.binaryScalar(FloatKernels.MUL, dy, off, gm * is, false, dx, off, hw);
                    }
                    continue;
                }
                long m = (long) n * hw;
                // dx = k * (dy - mean(dy) - xhat * mean(dy * xhat)), k = gamma * invStd
                float k = gm * is;
                float meanDy = (float) (sdy / m);
                float meanDyx = (float) (sdyx / m);
                for (int s0 = 0; s0 < n; s0++) {
                    int off = (s0 * c + ch) * hw;
                    // dx = dy*k + (xhat * (-meanDyx*k) + (-meanDy*k))
                    FloatKernels.scaleShift(xhat, off, -meanDyx * k, -meanDy * k, dx, off, hw);
                    FloatKernels.axpy(k, dy, off, dx, off, hw);
                }
            }
        });
    }

    /** Channels per task: about 64K elements each, so small layers do not pay for waking threads. */
    static int channelGrain(int n, int hw) {
        return Math.max(1, (1 << 16) / Math.max(1, n * hw));
    }
}

package bitflex.engine.kernels;

/** Fused loss kernels: softmax cross-entropy and squared error, with their gradients. */
public final class LossKernels {
    private LossKernels() {}

    /**
     * Mean cross-entropy of logits [n, c] against labels: writes softmax probabilities to
     * {@code probs} and returns -mean(log softmax(logits)[label]) accumulated in double in row order.
     */
    public static float crossEntropy(float[] logits, int n, int c, int[] labels, float[] probs) {
        FloatKernels.softmaxRows(logits, probs, 0, n, c);
        double loss = 0;
        for (int r = 0; r < n; r++) {
            int off = r * c;
            float m = FloatKernels.max(logits, off, c);
            double s = 0;
            for (int j = 0; j < c; j++) {
                s += Math.exp((double) logits[off + j] - m);
            }
            loss += m + Math.log(s) - logits[off + labels[r]];
        }
        return (float) (loss / n);
    }

    /** d(loss)/d(logits) = (probs - onehot(labels)) * scale, scale = upstream / n. */
    public static void crossEntropyBackward(float[] probs, int n, int c, int[] labels, float scale, float[] dlogits) {
        for (int r = 0; r < n; r++) {
            int off = r * c;
            FloatKernels.binaryScalar(FloatKernels.MUL, probs, off, scale, false, dlogits, off, c);
            dlogits[off + labels[r]] -= scale;
        }
    }

    /** mean((p - t)^2), accumulated in double. */
    public static float mse(float[] p, float[] t, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) p[i] - t[i];
            s += d * d;
        }
        return (float) (s / n);
    }

    /** dp = (p - t) * scale, scale = 2 * upstream / n. */
    public static void mseBackward(float[] p, float[] t, int n, float scale, float[] dp) {
        FloatKernels.binary(FloatKernels.SUB, p, 0, t, 0, dp, 0, n);
        FloatKernels.binaryScalar(FloatKernels.MUL, dp, 0, scale, false, dp, 0, n);
    }

    /**
     * Inverted-dropout mask: mask[i] = 0 with probability p, else 1/(1-p). Element i's draw is a
     * SplitMix64 hash of (seed, i), so the mask does not depend on how the work is split.
     */
    public static void dropoutMask(long seed, float p, float[] mask) {
        float keep = 1f / (1f - p);
        for (int i = 0; i < mask.length; i++) {
            long z = seed + (i + 1L) * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            float u = (z >>> 40) * 0x1.0p-24f;
            mask[i] = u < p ? 0f : keep;
        }
    }
}

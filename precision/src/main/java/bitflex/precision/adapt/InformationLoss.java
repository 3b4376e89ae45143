package bitflex.precision.adapt;

import bitflex.engine.fixed.Quantizer;
import bitflex.engine.fixed.FixedPointFormat;

/**
 * AdaPT's information loss of a layer's weights in a candidate format: {@code D_KL(P || Q)}, where
 * {@code P} is the R-bin histogram of the float weights over their own {@code [min, max]} and
 * {@code Q} the histogram of the same weights quantized to the candidate format, over the same bins.
 * Quantization is the engine's fake-quantize with round-half-to-even and saturation, i.e. exactly
 * the float values a fake-quant forward pass would use (exact grid values for WL <= 24; above that
 * the nearest float to the grid value).
 *
 * <p>Binning: bin {@code floor((x - min) * (R / (max - min)))}, with {@code max} in the last bin.
 * Quantized values that land outside {@code [min, max]} are counted in the nearest end bin, so
 * {@code P} and {@code Q} always count the same weights and a format is lossless (loss 0) exactly
 * when quantization moves no weight into another bin. When all weights are equal the range is
 * empty; then a weight's bin is 0 if its quantized value equals that weight and {@code R - 1}
 * otherwise, so the loss is still zero exactly for a format that represents the layer without error.
 *
 * <p>One instance holds the layer's {@code P} for one resolution, so the bisection computes it
 * once and only re-quantizes for each candidate.
 */
public final class InformationLoss {
    private final float[] weights;
    private final int bins;
    private final double eps;
    private final float min;
    private final float max;
    private final double binsPerUnit;
    private final long[] p;
    private final long[] q;
    private final float[] quantized;

    /**
     * @param weights the layer's weights (kept by reference for the lifetime of this object; no NaN)
     * @param bins    histogram resolution R, at least 2
     * @param eps     smoothing of the divergence, positive
     */
    public InformationLoss(float[] weights, int bins, double eps) {
        if (weights.length == 0) {
            throw new IllegalArgumentException("InformationLoss: weights are empty");
        }
        if (bins < 2) {
            throw new IllegalArgumentException("InformationLoss: bins must be at least 2, got " + bins);
        }
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < weights.length; i++) {
            float w = weights[i];
            if (!Float.isFinite(w)) {
                throw new IllegalArgumentException("InformationLoss: weights[" + i + "] = " + w
                        + " is not finite");
            }
            lo = Math.min(lo, w);
            hi = Math.max(hi, w);
        }
        this.weights = weights;
        this.bins = bins;
        this.eps = eps;
        this.min = lo;
        this.max = hi;
        this.binsPerUnit = bins / ((double) hi - lo);
        this.p = new long[bins];
        this.q = new long[bins];
        this.quantized = new float[weights.length];
        for (float w : weights) {
            p[bin(w)]++;
        }
    }

    /** Histogram bin of a value (float weight or quantized weight). */
    int bin(double x) {
        if (min == max) {
            return x == min ? 0 : bins - 1;
        }
        if (x <= min) {
            return 0;
        }
        if (x >= max) {
            return bins - 1;
        }
        int b = (int) ((x - min) * binsPerUnit);
        return Math.min(b, bins - 1);
    }

    /** The loss {@code D_KL(P || Q)} of the candidate format, in nats. */
    public double of(FixedPointFormat format) {
        Quantizer.of(format).fakeQuantize("weights", weights, 0, quantized, 0, weights.length, 0);
        java.util.Arrays.fill(q, 0L);
        for (float v : quantized) {
            q[bin(v)]++;
        }
        return KlDivergence.of(p, q, eps);
    }

    /** A copy of the float weights' histogram P. */
    public long[] weightHistogram() {
        return p.clone();
    }

    /** A copy of the quantized histogram Q of {@code format}. */
    public long[] quantizedHistogram(FixedPointFormat format) {
        of(format);
        return q.clone();
    }

    public int bins() {
        return bins;
    }
}

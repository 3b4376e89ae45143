package bitflex.precision.ledger;

/**
 * What the ledger needs to know about a weight layer to count its GEMMs from an input shape:
 * {@code Linear(in, out)} or a square-kernel {@code Conv2d(in, out, kernel, stride, padding)}, and
 * whether it has a bias (for the parameter count).
 */
public record GemmGeometry(Kind kind, int inFeatures, int outFeatures, int kernel, int stride, int padding, boolean bias) {
    /** The two layer kinds the ledger counts. */
    public enum Kind { LINEAR, CONV2D }

    public GemmGeometry {
        if (kind == null || inFeatures < 1 || outFeatures < 1 || kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("GemmGeometry: bad " + kind + " geometry in=" + inFeatures + " out="
                    + outFeatures + " kernel=" + kernel + " stride=" + stride + " padding=" + padding);
        }
    }

    public static GemmGeometry linear(int in, int out, boolean bias) {
        return new GemmGeometry(Kind.LINEAR, in, out, 1, 1, 0, bias);
    }

    public static GemmGeometry conv2d(int in, int out, int kernel, int stride, int padding, boolean bias) {
        return new GemmGeometry(Kind.CONV2D, in, out, kernel, stride, padding, bias);
    }

    /** Weights: {@code out x in} or {@code out x in x k x k}. */
    public long weightCount() {
        return (long) outFeatures * inFeatures * (kind == Kind.CONV2D ? (long) kernel * kernel : 1);
    }

    /** Weights plus the bias, if any. */
    public long parameterCount() {
        return weightCount() + (bias ? outFeatures : 0);
    }

    /**
     * The three passes for an input of the given shape (the first {@code rank} entries of
     * {@code shape}): a Linear's input is {@code [..., in]} (all leading dimensions are the batch),
     * a Conv2d's is NCHW.
     */
    public LayerGemms gemms(int[] shape, int rank) {
        if (kind == Kind.LINEAR) {
            if (rank < 1 || shape[rank - 1] != inFeatures) {
                throw new IllegalArgumentException("GemmGeometry: Linear(" + inFeatures + ", " + outFeatures
                        + ") got an input whose last dimension is " + (rank < 1 ? "missing" : shape[rank - 1]));
            }
            long n = 1;
            for (int i = 0; i < rank - 1; i++) {
                n *= shape[i];
            }
            return MacCounter.linear(Math.toIntExact(n), inFeatures, outFeatures);
        }
        if (rank != 4 || shape[1] != inFeatures) {
            throw new IllegalArgumentException("GemmGeometry: Conv2d(" + inFeatures + ", " + outFeatures
                    + ") needs an NCHW input with " + inFeatures + " channels, got rank " + rank);
        }
        return MacCounter.conv2d(shape[0], inFeatures, outFeatures, shape[2], shape[3], kernel, stride, padding);
    }
}

package bitflex.nn.data;

/**
 * Maps a raw pixel {@code p} in 0..255 to {@code (p / 255 - mean) / std}, as torchvision's
 * {@code ToTensor()} followed by {@code Normalize(mean, std)} does.
 *
 * @param mean the mean of the pixel values scaled to [0, 1]
 * @param std their standard deviation
 */
public record Normalization(double mean, double std) {
    /** Fashion-MNIST's training-set statistics (the values everyone uses: 0.2860, 0.3530). */
    public static final Normalization FASHION_MNIST = new Normalization(0.2860, 0.3530);
    /** No normalisation beyond scaling to [0, 1]. */
    public static final Normalization UNIT = new Normalization(0.0, 1.0);

    public Normalization {
        if (!(std > 0) || !Double.isFinite(mean) || !Double.isFinite(std)) {
            throw new IllegalArgumentException("Normalization: std must be > 0 and both finite, got mean=" + mean + " std=" + std);
        }
    }

    /** The 256 float values raw bytes map to, computed once so every pixel maps identically. */
    public float[] table() {
        float[] t = new float[256];
        for (int p = 0; p < 256; p++) {
            t[p] = (float) ((p / 255.0 - mean) / std);
        }
        return t;
    }
}

package bitflex.nn.data;

/**
 * One mini-batch, filled in place by a {@link DataLoader}: the arrays are allocated once, at the
 * loader's batch size, and reused for every step. Only the first {@link #size()} samples are valid
 * (the last batch of an epoch may be short).
 */
public final class Batch {
    private final float[] inputs;
    private final int[] labels;
    private final int sampleSize;
    private int size;

    Batch(int capacity, int sampleSize) {
        this.inputs = new float[capacity * sampleSize];
        this.labels = new int[capacity];
        this.sampleSize = sampleSize;
    }

    /** Number of valid samples. */
    public int size() {
        return size;
    }

    void setSize(int size) {
        this.size = size;
    }

    /** Maximum number of samples. */
    public int capacity() {
        return labels.length;
    }

    /** Floats per sample. */
    public int sampleSize() {
        return sampleSize;
    }

    /** The input buffer; samples {@code [0, size())} are valid. */
    public float[] inputs() {
        return inputs;
    }

    /** The label buffer; entries {@code [0, size())} are valid. */
    public int[] labels() {
        return labels;
    }
}

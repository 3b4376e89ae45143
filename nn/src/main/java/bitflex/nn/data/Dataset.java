package bitflex.nn.data;

import java.util.Arrays;

/**
 * An in-memory labelled image set: {@code size()} samples of {@code channels x height x width}
 * floats (NCHW, already normalised) and an integer class label each.
 */
public final class Dataset {
    private final String name;
    private final float[] images;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;
    private final int numClasses;

    /**
     * @param images {@code labels.length * channels * height * width} values, sample after sample
     * @param labels one label in {@code [0, numClasses)} per sample
     */
    public Dataset(String name, float[] images, int[] labels, int channels, int height, int width, int numClasses) {
        if (channels < 1 || height < 1 || width < 1 || numClasses < 1) {
            throw new IllegalArgumentException("Dataset " + name + ": channels, height, width and numClasses must be >= 1, got "
                    + channels + ", " + height + ", " + width + ", " + numClasses);
        }
        long expected = (long) labels.length * channels * height * width;
        if (images.length != expected) {
            throw new IllegalArgumentException("Dataset " + name + ": " + labels.length + " labels of " + channels + "x" + height
                    + "x" + width + " need " + expected + " image values, got " + images.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("Dataset " + name + ": label " + labels[i] + " of sample " + i
                        + " is outside [0, " + numClasses + ")");
            }
        }
        this.name = name;
        this.images = images;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.numClasses = numClasses;
    }

    /**
     * Builds a data set from an IDX image file ({@code [n, h, w]} unsigned bytes) and an IDX label
     * file ({@code [n]}), normalising the pixels.
     *
     * @throws IdxFormatException when the shapes do not fit or the counts differ (naming both files)
     */
    public static Dataset fromIdx(String name, IdxArray images, IdxArray labels, int numClasses, Normalization norm)
            throws IdxFormatException {
        if (images.dims().length != 3) {
            throw new IdxFormatException(images.name(), "expected an image file with 3 dimensions [n, height, width], got "
                    + Arrays.toString(images.dims()));
        }
        if (labels.dims().length != 1) {
            throw new IdxFormatException(labels.name(), "expected a label file with 1 dimension [n], got "
                    + Arrays.toString(labels.dims()));
        }
        if (images.count() != labels.count()) {
            throw new IdxFormatException(images.name(), "has " + images.count() + " images but " + labels.name()
                    + " has " + labels.count() + " labels");
        }
        int n = images.count();
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = labels.unsigned(i);
            if (y[i] >= numClasses) {
                throw new IdxFormatException(labels.name(), "label " + y[i] + " at index " + i + " is outside [0, " + numClasses + ")");
            }
        }
        float[] table = norm.table();
        byte[] raw = images.data();
        float[] x = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            x[i] = table[raw[i] & 0xFF];
        }
        return new Dataset(name, x, y, 1, images.dims()[1], images.dims()[2], numClasses);
    }

    public String name() {
        return name;
    }

    /** Number of samples. */
    public int size() {
        return labels.length;
    }

    /** Floats per sample ({@code channels * height * width}). */
    public int sampleSize() {
        return channels * height * width;
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int numClasses() {
        return numClasses;
    }

    /** The backing image array (not a copy; do not modify). */
    public float[] images() {
        return images;
    }

    /** The backing label array (not a copy; do not modify). */
    public int[] labels() {
        return labels;
    }

    public int label(int i) {
        return labels[i];
    }

    /** The first {@code n} samples (a copy), e.g. for a quick run on a slice. */
    public Dataset head(int n) {
        if (n < 0 || n > size()) {
            throw new IllegalArgumentException("Dataset " + name + ".head: n must be in [0, " + size() + "], got " + n);
        }
        return new Dataset(name + "[:" + n + "]", Arrays.copyOf(images, n * sampleSize()), Arrays.copyOf(labels, n),
                channels, height, width, numClasses);
    }

    /** Number of samples of each class. */
    public int[] classCounts() {
        int[] c = new int[numClasses];
        for (int l : labels) {
            c[l]++;
        }
        return c;
    }

    @Override
    public String toString() {
        return name + " (" + size() + " samples, " + channels + "x" + height + "x" + width + ", " + numClasses + " classes)";
    }
}

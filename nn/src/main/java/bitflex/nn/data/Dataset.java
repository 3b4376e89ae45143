package bitflex.nn.data;

import java.util.Arrays;

/**
 * An in-memory labelled image set: {@code size()} samples of {@code channels x height x width}
 * values (NCHW, already normalised) and an integer class label each.
 *
 * <p>The values are held in one of two forms. A set made from floats keeps them as given. A set made
 * from 8-bit codes (an IDX file's raw pixels, {@link #coded}) keeps one byte per value and a table of
 * the 256 floats the codes stand for, and decodes a sample only when it is copied out
 * ({@link #copySample}): Fashion-MNIST's 60,000 training images take 47 MB that way instead of 188 MB
 * as floats, and need no conversion pass when they are read. Both forms give a copied sample the
 * same floats.
 */
public final class Dataset {
    private final String name;
    /** The values as floats, or null for a coded set. */
    private final float[] images;
    /** The values as codes into {@link #decode}, or null for a float set. */
    private final byte[] codes;
    /** The float each code {@code 0..255} stands for (read as unsigned), or null for a float set. */
    private final float[] decode;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;
    private final int numClasses;

    /**
     * A data set of float values.
     *
     * @param images {@code labels.length * channels * height * width} values, sample after sample
     * @param labels one label in {@code [0, numClasses)} per sample
     */
    public Dataset(String name, float[] images, int[] labels, int channels, int height, int width, int numClasses) {
        this(name, images, null, null, labels, channels, height, width, numClasses, images.length);
    }

    /**
     * A data set of 8-bit codes: value {@code v} of the set is {@code decode[codes[v] & 0xFF]}. The codes
     * are shared, not copied (the caller must not change them); the table is copied.
     *
     * @param codes  {@code labels.length * channels * height * width} codes, sample after sample
     * @param decode the 256 values the unsigned codes stand for
     * @param labels one label in {@code [0, numClasses)} per sample
     */
    public static Dataset coded(String name, byte[] codes, float[] decode, int[] labels, int channels, int height, int width,
                                int numClasses) {
        if (decode.length != 256) {
            throw new IllegalArgumentException("Dataset " + name + ": the decode table needs 256 values, got " + decode.length);
        }
        return new Dataset(name, null, codes, decode.clone(), labels, channels, height, width, numClasses, codes.length);
    }

    private Dataset(String name, float[] images, byte[] codes, float[] decode, int[] labels, int channels, int height,
                    int width, int numClasses, int values) {
        if (channels < 1 || height < 1 || width < 1 || numClasses < 1) {
            throw new IllegalArgumentException("Dataset " + name + ": channels, height, width and numClasses must be >= 1, got "
                    + channels + ", " + height + ", " + width + ", " + numClasses);
        }
        long expected = (long) labels.length * channels * height * width;
        if (values != expected) {
            throw new IllegalArgumentException("Dataset " + name + ": " + labels.length + " labels of " + channels + "x" + height
                    + "x" + width + " need " + expected + " image values, got " + values);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("Dataset " + name + ": label " + labels[i] + " of sample " + i
                        + " is outside [0, " + numClasses + ")");
            }
        }
        this.name = name;
        this.images = images;
        this.codes = codes;
        this.decode = decode;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.numClasses = numClasses;
    }

    /**
     * Builds a data set from an IDX image file ({@code [n, h, w]} unsigned bytes) and an IDX label
     * file ({@code [n]}). The set keeps the raw pixels as codes and {@code norm}'s table as their
     * values (see {@link #coded}); the IDX arrays' data is shared, not copied.
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
        return coded(name, images.data(), norm.table(), y, 1, images.dims()[1], images.dims()[2], numClasses);
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

    /** Whether the values are held as 8-bit codes ({@link #coded}) rather than floats. */
    public boolean isCoded() {
        return codes != null;
    }

    /** Bytes the values take in memory: one per value when coded (plus the table), four as floats. */
    public long imageBytes() {
        return codes != null ? codes.length + 4L * decode.length : 4L * images.length;
    }

    /**
     * Copies sample {@code i}'s {@link #sampleSize()} values, as floats, to {@code dst[off..]}.
     *
     * @throws IndexOutOfBoundsException when there is no sample {@code i} or the values do not fit
     *                                   in {@code dst} at {@code off}
     */
    public void copySample(int i, float[] dst, int off) {
        int s = sampleSize();
        if (i < 0 || i >= labels.length) {
            throw new IndexOutOfBoundsException("Dataset " + name + ": sample " + i + " is outside [0, " + labels.length + ")");
        }
        if (off < 0 || off > dst.length - s) {
            throw new IndexOutOfBoundsException("Dataset " + name + ": a sample's " + s + " values do not fit at offset " + off
                    + " of an array of " + dst.length);
        }
        int from = i * s;
        if (images != null) {
            System.arraycopy(images, from, dst, off, s);
            return;
        }
        byte[] c = codes;
        float[] t = decode;
        for (int j = 0; j < s; j++) {
            dst[off + j] = t[c[from + j] & 0xFF];
        }
    }

    /** All the values as floats, sample after sample (a new array; 4 bytes a value). */
    public float[] toFloats() {
        if (images != null) {
            return images.clone();
        }
        float[] x = new float[codes.length];
        for (int i = 0; i < labels.length; i++) {
            copySample(i, x, i * sampleSize());
        }
        return x;
    }

    /** The backing label array (not a copy; do not modify). */
    public int[] labels() {
        return labels;
    }

    public int label(int i) {
        return labels[i];
    }

    /** The first {@code n} samples (a copy, in the same form), e.g. for a quick run on a slice. */
    public Dataset head(int n) {
        if (n < 0 || n > size()) {
            throw new IllegalArgumentException("Dataset " + name + ".head: n must be in [0, " + size() + "], got " + n);
        }
        int[] idx = new int[n];
        Arrays.setAll(idx, i -> i);
        return select(name + "[:" + n + "]", idx, Arrays.copyOf(labels, n), numClasses);
    }

    /**
     * A new set in the same form holding the samples {@code idx} in that order, with the given labels
     * and class count (for slices and class subsets).
     */
    Dataset select(String newName, int[] idx, int[] newLabels, int newClasses) {
        int s = sampleSize();
        int n = idx.length;
        if (codes != null) {
            byte[] c = new byte[n * s];
            for (int j = 0; j < n; j++) {
                System.arraycopy(codes, idx[j] * s, c, j * s, s);
            }
            return new Dataset(newName, null, c, decode, newLabels, channels, height, width, newClasses, c.length);
        }
        float[] x = new float[n * s];
        for (int j = 0; j < n; j++) {
            System.arraycopy(images, idx[j] * s, x, j * s, s);
        }
        return new Dataset(newName, x, newLabels, channels, height, width, newClasses);
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
        return name + " (" + size() + " samples, " + channels + "x" + height + "x" + width + ", " + numClasses + " classes"
                + (codes != null ? ", 8-bit codes" : "") + ")";
    }
}

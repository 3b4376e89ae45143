package bitflex.engine.fixed;

import java.util.Arrays;
import java.util.Objects;

/**
 * A quantized tensor: integers in the storage array of their format, a row-major shape, and
 * optionally one fractional length per channel along axis 0 (for weights: per output channel).
 * Element {@code i} is worth {@code get(i) * 2^-fracLengthAt(i)}. Immutable in its shape and
 * format; the storage array is shared, not copied, by {@link #of} and {@link #storage()} (kernels
 * write their outputs straight into new tensors).
 */
public final class QTensor {
    private final FixedPointFormat format;
    private final int[] shape;
    private final int size;
    private final Object storage;
    private final int[] channelFracLengths;
    private final ClampStats clampStats;

    private QTensor(FixedPointFormat format, Object storage, int[] shape, int[] channelFracLengths, ClampStats stats) {
        this.format = Objects.requireNonNull(format, "format");
        this.shape = shape.clone();
        this.size = sizeOf(this.shape);
        Quantizer.kindOf(storage, format.storage(), "QTensor");
        if (Quantizer.lengthOf(storage) != size) {
            throw new IllegalArgumentException("QTensor: storage has " + Quantizer.lengthOf(storage)
                    + " elements but shape " + Arrays.toString(shape) + " needs " + size);
        }
        this.storage = storage;
        if (channelFracLengths != null) {
            if (shape.length == 0 || channelFracLengths.length != shape[0]) {
                throw new IllegalArgumentException("QTensor: per-channel fracLengths need one entry per index of axis 0 of "
                        + Arrays.toString(shape) + ", got " + channelFracLengths.length);
            }
            for (int fl : channelFracLengths) {
                FixedPointFormat.checkFracLength("QTensor.channelFracLengths[]", fl);
            }
            channelFracLengths = channelFracLengths.clone();
        }
        this.channelFracLengths = channelFracLengths;
        this.clampStats = stats;
    }

    static int sizeOf(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("QTensor: negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("QTensor: shape " + Arrays.toString(shape) + " has more than 2^31-1 elements");
            }
        }
        return (int) n;
    }

    /** The same tensor carrying the statistics of the operation that produced it. */
    static QTensor withStats(QTensor t, ClampStats stats) {
        return new QTensor(t.format, t.storage, t.shape, t.channelFracLengths, stats);
    }

    /** This tensor (same storage) carrying the clamp statistics of the operation that produced it. */
    public QTensor withClampStats(ClampStats stats) {
        return withStats(this, stats);
    }

    /** Wraps an existing storage array (not copied). */
    public static QTensor of(FixedPointFormat format, Object storage, int... shape) {
        return new QTensor(format, storage, shape, null, ClampStats.NONE);
    }

    /** Wraps an existing storage array with per-channel fractional lengths along axis 0. */
    public static QTensor ofPerChannel(FixedPointFormat format, Object storage, int[] channelFracLengths, int... shape) {
        return new QTensor(format, storage, shape, Objects.requireNonNull(channelFracLengths), ClampStats.NONE);
    }

    /** All zeros. */
    public static QTensor zeros(FixedPointFormat format, int... shape) {
        return new QTensor(format, format.storage().allocate(sizeOf(shape)), shape, null, ClampStats.NONE);
    }

    /** Quantizes row-major float data of the given shape; {@code name} appears in NaN errors. */
    public static QTensor quantize(String name, float[] data, int[] shape, Quantizer q) {
        int n = sizeOf(shape);
        if (data.length != n) {
            throw new IllegalArgumentException("QTensor.quantize '" + name + "': " + data.length
                    + " values for shape " + Arrays.toString(shape));
        }
        Object st = q.format().storage().allocate(n);
        ClampStats stats = q.quantize(name, data, 0, st, 0, n, 0);
        return new QTensor(q.format(), st, shape, null, stats);
    }

    /**
     * Quantizes with one fractional length per index of axis 0 (the quantizer's format gives the
     * word length and signedness). Stochastic draws use the element's flat index as counter.
     */
    public static QTensor quantizePerChannel(String name, float[] data, int[] shape, Quantizer q, int[] channelFracLengths) {
        int n = sizeOf(shape);
        if (data.length != n) {
            throw new IllegalArgumentException("QTensor.quantizePerChannel '" + name + "': " + data.length
                    + " values for shape " + Arrays.toString(shape));
        }
        if (shape.length == 0 || channelFracLengths.length != shape[0]) {
            throw new IllegalArgumentException("QTensor.quantizePerChannel '" + name + "': need " + (shape.length == 0 ? 0 : shape[0])
                    + " fracLengths for shape " + Arrays.toString(shape) + ", got " + channelFracLengths.length);
        }
        Object st = q.format().storage().allocate(n);
        int per = shape[0] == 0 ? 0 : n / shape[0];
        ClampStats stats = new ClampStats(0, 0, 0);
        for (int c = 0; c < shape[0]; c++) {
            Quantizer qc = q.withFormat(q.format().withFracLength(channelFracLengths[c]));
            stats = stats.plus(qc.quantize(name, data, c * per, st, c * per, per, c * per));
        }
        return new QTensor(q.format(), st, shape, channelFracLengths, stats);
    }

    public FixedPointFormat format() {
        return format;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int axis) {
        return shape[axis];
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return size;
    }

    /** The storage array ({@code byte[]}, {@code short[]} or {@code int[]}), shared. */
    public Object storage() {
        return storage;
    }

    /** Whether fractional lengths vary along axis 0. */
    public boolean isPerChannel() {
        return channelFracLengths != null;
    }

    /** The per-channel fractional lengths (a copy), or null for a per-tensor format. */
    public int[] channelFracLengths() {
        return channelFracLengths == null ? null : channelFracLengths.clone();
    }

    /** How many elements clamped or wrapped when this tensor was quantized (none for wrapped arrays). */
    public ClampStats clampStats() {
        return clampStats;
    }

    /** The format of element {@code i} (differs from {@link #format()} only in FL, per channel). */
    public int fracLengthAt(int i) {
        if (channelFracLengths == null) {
            return format.fracLength();
        }
        return channelFracLengths[i / (size / shape[0])];
    }

    /** The integer of element {@code i}. */
    public long get(int i) {
        return FormatConversion.get(storage, i, format);
    }

    /** The exact value of element {@code i} as a double. */
    public double value(int i) {
        return Math.scalb((double) get(i), -fracLengthAt(i));
    }

    /** Dequantizes to floats (each the float nearest the exact value), row-major. */
    public float[] dequantize() {
        float[] out = new float[size];
        if (channelFracLengths == null) {
            Quantizer.dequantize(format, storage, 0, out, 0, size);
        } else {
            int per = size / shape[0];
            for (int c = 0; c < shape[0]; c++) {
                Quantizer.dequantize(format.withFracLength(channelFracLengths[c]), storage, c * per, out, c * per, per);
            }
        }
        return out;
    }

    /** Converts to another format (per-channel tensors become per-tensor in {@code to}'s format). */
    public QTensor convert(Quantizer to) {
        Object dst = to.format().storage().allocate(size);
        ClampStats stats;
        if (channelFracLengths == null) {
            stats = FormatConversion.convert(format, storage, 0, to, dst, 0, size, 0);
        } else {
            int per = size / shape[0];
            stats = new ClampStats(0, 0, 0);
            for (int c = 0; c < shape[0]; c++) {
                stats = stats.plus(FormatConversion.convert(format.withFracLength(channelFracLengths[c]),
                        storage, c * per, to, dst, c * per, per, c * per));
            }
        }
        return new QTensor(to.format(), dst, shape, null, stats);
    }

    /** A view with another shape of the same size (storage shared). */
    public QTensor reshape(int... newShape) {
        if (sizeOf(newShape) != size) {
            throw new IllegalArgumentException("QTensor.reshape: " + Arrays.toString(shape) + " to "
                    + Arrays.toString(newShape) + " changes the size");
        }
        if (channelFracLengths != null && (newShape.length == 0 || newShape[0] != shape[0])) {
            throw new IllegalArgumentException("QTensor.reshape: per-channel tensor must keep axis 0 ("
                    + shape[0] + "), got " + Arrays.toString(newShape));
        }
        return new QTensor(format, storage, newShape, channelFracLengths, clampStats);
    }

    @Override
    public String toString() {
        return "QTensor" + Arrays.toString(shape) + " " + format + (channelFracLengths != null
                ? " per-channel FL " + Arrays.toString(channelFracLengths) : "");
    }
}

package bitflex.precision.sparsity;

/**
 * Density of stored weights: the fraction of elements that are not exactly zero (sparsity is one
 * minus it). Counted on the integer codes where the weights are integers, or on quantized float
 * values, where only an exact {@code 0.0f} or {@code -0.0f} counts as zero.
 */
public final class Density {
    private Density() {}

    public static long zeros(byte[] codes) {
        long z = 0;
        for (byte c : codes) {
            if (c == 0) z++;
        }
        return z;
    }

    public static long zeros(short[] codes) {
        long z = 0;
        for (short c : codes) {
            if (c == 0) z++;
        }
        return z;
    }

    public static long zeros(int[] codes) {
        long z = 0;
        for (int c : codes) {
            if (c == 0) z++;
        }
        return z;
    }

    public static long zeros(float[] values) {
        long z = 0;
        for (float v : values) {
            if (v == 0f) z++;
        }
        return z;
    }

    /**
     * Exact zeros of an integer storage array as the engine allocates it ({@code byte[]},
     * {@code short[]} or {@code int[]}); an integer 0 is the value 0 in every format.
     */
    public static long zerosOfStorage(Object storage) {
        return switch (storage) {
            case byte[] b -> zeros(b);
            case short[] s -> zeros(s);
            case int[] i -> zeros(i);
            case null -> throw new IllegalArgumentException("Density: storage array is null");
            default -> throw new IllegalArgumentException("Density: storage must be byte[], short[] or int[], got "
                    + storage.getClass().getSimpleName());
        };
    }

    /** Density of an integer storage array ({@code byte[]}, {@code short[]} or {@code int[]}). */
    public static double ofStorage(Object storage) {
        long n = switch (storage) {
            case byte[] b -> b.length;
            case short[] s -> s.length;
            case int[] i -> i.length;
            case null, default -> -1;
        };
        return of(zerosOfStorage(storage), Math.max(n, 0));
    }

    /** {@code 1 - zeros / count}; 1 for an empty array (nothing to skip). */
    public static double of(long zeros, long count) {
        if (zeros < 0 || zeros > count) {
            throw new IllegalArgumentException("Density: zeros " + zeros + " outside [0, " + count + "]");
        }
        return count == 0 ? 1.0 : 1.0 - (double) zeros / count;
    }

    public static double of(byte[] codes) { return of(zeros(codes), codes.length); }
    public static double of(short[] codes) { return of(zeros(codes), codes.length); }
    public static double of(int[] codes) { return of(zeros(codes), codes.length); }
    public static double of(float[] values) { return of(zeros(values), values.length); }
}

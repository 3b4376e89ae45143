package bitflex.engine.fixed;

import bitflex.engine.memory.ScratchMemory;
import bitflex.engine.parallel.Parallel;
import java.util.Objects;

/**
 * Quantizes float32 arrays into a fixed-point format, dequantizes them back, and fake-quantizes
 * (float to float on the grid). Immutable; build one per (format, rounding, overflow, seed, stream).
 *
 * <p>Semantics, for every element {@code x} at index {@code i}: {@code k = fit(round(x * 2^FL))}
 * where {@code round} is {@link #rounding()} applied to the exact real product (no intermediate
 * rounding) and {@code fit} is {@link #overflow()} applied after rounding. Infinities saturate
 * under both overflow modes. NaN is an {@link IllegalArgumentException} naming the tensor and the
 * first bad index. {@link Rounding#STOCHASTIC} draws {@code u} for element {@code i} from
 * {@link CounterRng} keyed by ({@link #seed()}, {@link #stream()}, {@code counterBase + i}), so the
 * result does not depend on threads, vector width or slicing.
 *
 * <p>The kernels are SIMD ({@link QuantizeKernels}) with a scalar twin ({@link QuantizeScalar});
 * large arrays are split into fixed chunks run on {@link Parallel}.
 *
 * @param format   the target format
 * @param rounding rounding mode ({@link Rounding#DEFAULT} is nearest-even)
 * @param overflow overflow mode ({@link Overflow#DEFAULT} is saturate)
 * @param seed     seed of the stochastic-rounding generator
 * @param stream   stream of the generator (e.g. a layer or step number), so draws do not repeat
 */
public record Quantizer(FixedPointFormat format, Rounding rounding, Overflow overflow, long seed, long stream) {
    /** Elements per parallel chunk: fixed, so the split never depends on the thread count. */
    static final int CHUNK = 1 << 15;

    /** Per-thread buffer for one chunk's stochastic draws. */
    private static final ThreadLocal<int[]> DRAWS = ThreadLocal.withInitial(() -> ScratchMemory.ints(new int[0], CHUNK));

    public Quantizer {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(rounding, "rounding");
        Objects.requireNonNull(overflow, "overflow");
    }

    /** Nearest-even, saturating, seed 0 stream 0. */
    public static Quantizer of(FixedPointFormat format) {
        return new Quantizer(format, Rounding.DEFAULT, Overflow.DEFAULT, 0, 0);
    }

    public Quantizer withRounding(Rounding r) {
        return new Quantizer(format, r, overflow, seed, stream);
    }

    public Quantizer withOverflow(Overflow o) {
        return new Quantizer(format, rounding, o, seed, stream);
    }

    public Quantizer withSeed(long seed, long stream) {
        return new Quantizer(format, rounding, overflow, seed, stream);
    }

    public Quantizer withFormat(FixedPointFormat f) {
        return new Quantizer(f, rounding, overflow, seed, stream);
    }

    static IllegalArgumentException nanError(String name, long index) {
        return new IllegalArgumentException("quantize: tensor '" + name + "' has NaN at index " + index);
    }

    /** A new storage array ({@code byte[]}, {@code short[]} or {@code int[]}) holding {@code src} quantized. */
    public Object quantize(String name, float[] src) {
        Object dst = format.storage().allocate(src.length);
        quantize(name, src, 0, dst, 0, src.length, 0);
        return dst;
    }

    /**
     * Quantizes {@code src[srcOff .. srcOff+n)} into the storage array {@code dst} (whose type
     * must match {@link FixedPointFormat#storage()}) starting at {@code dstOff}. Element {@code i}
     * draws stochastic noise for counter {@code counterBase + i}.
     *
     * @return how many elements were clamped or wrapped
     */
    public ClampStats quantize(String name, float[] src, int srcOff, Object dst, int dstOff, int n, int counterBase) {
        int kind = kindOf(dst, format.storage(), "quantize");
        checkRange("quantize src", src.length, srcOff, n);
        checkRange("quantize dst", lengthOf(dst), dstOff, n);
        return run(name, src, srcOff, kind, dst, dstOff, n, counterBase);
    }

    /** Fake-quantizes {@code src} into a new float array whose values all lie on the grid. */
    public float[] fakeQuantize(String name, float[] src) {
        float[] dst = new float[src.length];
        fakeQuantize(name, src, 0, dst, 0, src.length, 0);
        return dst;
    }

    /** Fake-quantizes a range: {@code dst = dequantize(quantize(src))}, in one pass. */
    public ClampStats fakeQuantize(String name, float[] src, int srcOff, float[] dst, int dstOff, int n, int counterBase) {
        checkRange("fakeQuantize src", src.length, srcOff, n);
        checkRange("fakeQuantize dst", dst.length, dstOff, n);
        return run(name, src, srcOff, QuantizeKernels.KIND_FAKE, dst, dstOff, n, counterBase);
    }

    /** Dequantizes a whole storage array of this format. */
    public float[] dequantize(Object src) {
        float[] dst = new float[lengthOf(src)];
        dequantize(format, src, 0, dst, 0, dst.length);
        return dst;
    }

    /**
     * Dequantizes {@code n} elements of a storage array of format {@code f}: each becomes the float
     * nearest to {@code k * 2^-FL} (exact for {@code WL <= 24}).
     */
    public static void dequantize(FixedPointFormat f, Object src, int srcOff, float[] dst, int dstOff, int n) {
        int kind = kindOf(src, f.storage(), "dequantize");
        checkRange("dequantize src", lengthOf(src), srcOff, n);
        checkRange("dequantize dst", dst.length, dstOff, n);
        Parallel.forRange(n, CHUNK, (from, to) ->
                QuantizeKernels.dequantize(kind, src, srcOff + from, dst, dstOff + from, to - from, f));
    }

    private ClampStats run(String name, float[] src, int srcOff, int kind, Object dst, int dstOff, int n, int counterBase) {
        long key = CounterRng.key(seed, stream);
        int k0 = CounterRng.k0(key);
        int k1 = CounterRng.k1(key);
        int chunks = (n + CHUNK - 1) / CHUNK;
        long[] counts = new long[chunks * 2];
        int[] nan = new int[chunks];
        Parallel.forEach(chunks, c -> {
            int from = c * CHUNK;
            int len = Math.min(n, from + CHUNK) - from;
            long[] local = new long[2];
            int[] draws = null;
            if (rounding == Rounding.STOCHASTIC) {
                draws = DRAWS.get();
                QuantizeKernels.fillDraws(draws, counterBase + from, len, k0, k1);
            }
            nan[c] = QuantizeKernels.quantize(src, srcOff + from, len, kind, dst, dstOff + from,
                    format, rounding, overflow, draws, local);
            counts[2 * c] = local[0];
            counts[2 * c + 1] = local[1];
        });
        long below = 0;
        long above = 0;
        for (int c = 0; c < chunks; c++) {
            if (nan[c] >= 0) {
                throw nanError(name, (long) counterBase + (long) c * CHUNK + nan[c]);
            }
            below += counts[2 * c];
            above += counts[2 * c + 1];
        }
        return new ClampStats(below, above, n);
    }

    static int kindOf(Object storage, Storage expected, String op) {
        Storage actual = switch (storage) {
            case byte[] b -> Storage.BYTE;
            case short[] s -> Storage.SHORT;
            case int[] i -> Storage.INT;
            case null -> throw new IllegalArgumentException(op + ": storage array is null");
            default -> throw new IllegalArgumentException(op + ": storage must be byte[], short[] or int[], got "
                    + storage.getClass().getSimpleName());
        };
        if (actual != expected) {
            throw new IllegalArgumentException(op + ": format needs " + expected + " storage, got " + actual);
        }
        return actual.ordinal();
    }

    static int lengthOf(Object storage) {
        return switch (storage) {
            case byte[] b -> b.length;
            case short[] s -> s.length;
            case int[] i -> i.length;
            case float[] f -> f.length;
            default -> throw new IllegalArgumentException("not a storage array: " + storage.getClass().getSimpleName());
        };
    }

    static void checkRange(String what, int length, int off, int n) {
        if (n < 0 || off < 0 || off > length - n) {
            throw new IllegalArgumentException(what + ": range [" + off + ", " + off + " + " + n
                    + ") is outside an array of length " + length);
        }
    }
}

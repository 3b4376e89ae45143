package bitflex.engine.fixed;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * A counter-based random generator: the bits for element {@code i} are a pure function of
 * (seed, stream, i), so stochastic rounding gives the same result whatever the thread count, the
 * vector width or the order in which elements are visited.
 *
 * <p>The 64-bit key is SplitMix64 of (seed, stream). The element index (a 32-bit counter) first
 * goes through a keyed Weyl step, then two rounds of a 32-bit multiply-xorshift avalanche
 * (the "lowbias32" constants of Wellons' hash-prospector), with the second half of the key xored
 * in between. Every step is a bijection of the 32-bit word, so for a fixed key no two indices of a
 * tensor share their bits. Only 32-bit lane operations (add, xor, logical shift, low multiply) are
 * used, so {@link #bits(IntVector, int, int)} computes the same words lane by lane with
 * {@code IntVector} as {@link #bits(long, int)} does in scalar code. It is a statistical
 * generator for rounding noise, not a cryptographic one.
 */
public final class CounterRng {
    private static final int WEYL = 0x9E3779B9;
    private static final int M1 = 0x7feb352d;
    private static final int M2 = 0x846ca68b;

    private CounterRng() {}

    /** The key of a (seed, stream) pair. */
    public static long key(long seed, long stream) {
        return splitMix64(splitMix64(seed) ^ (stream * 0xD1B54A32D192ED03L + 0x632BE59BD9B4E019L));
    }

    private static long splitMix64(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Low half of the key, added in the Weyl step. */
    public static int k0(long key) {
        return (int) key;
    }

    /** High half of the key, xored between the two avalanche rounds. */
    public static int k1(long key) {
        return (int) (key >>> 32);
    }

    /** 32 random bits for element {@code index}. */
    public static int bits(long key, int index) {
        return bits(index, k0(key), k1(key));
    }

    /** 32 random bits for element {@code index}, with the key already split. */
    public static int bits(int index, int k0, int k1) {
        int x = index * WEYL + k0;
        x ^= x >>> 16;
        x *= M1;
        x ^= x >>> 15;
        x *= M2;
        x ^= x >>> 16;
        x ^= k1;
        x ^= x >>> 16;
        x *= M1;
        x ^= x >>> 15;
        x *= M2;
        x ^= x >>> 16;
        return x;
    }

    /** {@code j} in {@code [0, 2^24)}: stochastic rounding uses {@code u = j * 2^-24}. */
    public static int uniform24(int index, int k0, int k1) {
        return bits(index, k0, k1) >>> 8;
    }

    /** The lane-wise twin of {@link #bits(int, int, int)}: bit-identical for every lane. */
    public static IntVector bits(IntVector index, int k0, int k1) {
        IntVector x = index.mul(WEYL).add(k0);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
        x = x.mul(M1);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 15));
        x = x.mul(M2);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
        x = x.lanewise(VectorOperators.XOR, k1);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
        x = x.mul(M1);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 15));
        x = x.mul(M2);
        return x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
    }

    /** The lane-wise twin of {@link #uniform24(int, int, int)}. */
    public static IntVector uniform24(IntVector index, int k0, int k1) {
        return bits(index, k0, k1).lanewise(VectorOperators.LSHR, 8);
    }
}

package bitflex.nn.init;

import java.util.SplittableRandom;

/**
 * Seeded weight initialisers with PyTorch's definitions of fan-in and fan-out: for a Linear weight
 * {@code [out, in]} fan-in is {@code in}; for a Conv2d weight {@code [out, in, kh, kw]} it is
 * {@code in * kh * kw} (and fan-out {@code out * kh * kw}). The same seed gives the same values on
 * every machine and thread count (one sequential {@link SplittableRandom} stream per tensor).
 */
public final class Init {
    private Init() {}

    /** Gain for ReLU, {@code sqrt(2)}. */
    public static final double RELU_GAIN = Math.sqrt(2.0);

    /** Fan-in of a weight of this shape (PyTorch's convention). */
    public static int fanIn(int[] shape) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("Init.fanIn: a weight needs at least 2 dimensions, got " + java.util.Arrays.toString(shape));
        }
        return shape[1] * receptive(shape);
    }

    /** Fan-out of a weight of this shape (PyTorch's convention). */
    public static int fanOut(int[] shape) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("Init.fanOut: a weight needs at least 2 dimensions, got " + java.util.Arrays.toString(shape));
        }
        return shape[0] * receptive(shape);
    }

    private static int receptive(int[] shape) {
        int r = 1;
        for (int i = 2; i < shape.length; i++) {
            r *= shape[i];
        }
        return r;
    }

    /** Uniform in {@code [-bound, bound)}. */
    public static void uniform(float[] w, double bound, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
    }

    /** Normal with mean 0 and the given standard deviation (Box-Muller, deterministic). */
    public static void normal(float[] w, double std, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < w.length; i += 2) {
            double u1 = 1.0 - rng.nextDouble();
            double u2 = rng.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1)) * std;
            w[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < w.length) {
                w[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
            }
        }
    }

    /** Kaiming (He) uniform for a layer followed by ReLU: bound {@code sqrt(2) * sqrt(3 / fanIn)}. */
    public static void kaimingUniform(float[] w, int[] shape, long seed) {
        kaimingUniform(w, shape, RELU_GAIN, seed);
    }

    /** Kaiming uniform with a given gain: bound {@code gain * sqrt(3 / fanIn)}. */
    public static void kaimingUniform(float[] w, int[] shape, double gain, long seed) {
        uniform(w, gain * Math.sqrt(3.0 / fanIn(shape)), seed);
    }

    /** Kaiming (He) normal for ReLU: std {@code sqrt(2 / fanIn)}. */
    public static void kaimingNormal(float[] w, int[] shape, long seed) {
        normal(w, RELU_GAIN / Math.sqrt(fanIn(shape)), seed);
    }

    /** Xavier (Glorot) uniform: bound {@code gain * sqrt(6 / (fanIn + fanOut))}. */
    public static void xavierUniform(float[] w, int[] shape, double gain, long seed) {
        uniform(w, gain * Math.sqrt(6.0 / (fanIn(shape) + fanOut(shape))), seed);
    }

    /** Xavier (Glorot) normal: std {@code gain * sqrt(2 / (fanIn + fanOut))}. */
    public static void xavierNormal(float[] w, int[] shape, double gain, long seed) {
        normal(w, gain * Math.sqrt(2.0 / (fanIn(shape) + fanOut(shape))), seed);
    }

    /**
     * PyTorch's default for Linear and Conv2d ({@code kaiming_uniform_(a=sqrt(5))}): weights and
     * biases uniform in {@code +-1/sqrt(fanIn)}. The models in the zoo use it, so they start like
     * their PyTorch twins.
     */
    public static double defaultBound(int[] weightShape) {
        return 1.0 / Math.sqrt(fanIn(weightShape));
    }

    /** A seed for parameter {@code index} of a model seeded with {@code seed} (SplitMix64 finaliser). */
    public static long derive(long seed, long index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

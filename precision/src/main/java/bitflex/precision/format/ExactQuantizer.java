package bitflex.precision.format;

/**
 * Exact scalar quantization to a {@link LayerFormat} with round-half-to-even and saturation: the
 * policies' reference for "what this weight becomes in that format".
 *
 * <p>Interim: the engine's fixed-point branch brings the SIMD quantizers with all rounding and
 * overflow modes; the policies only need this one mode, scalar, and exactly. It is exact because a
 * float times {@code 2^FL} with {@code |FL| <= 64} is an exact double (a 24-bit significand with an
 * exponent well inside double's range), {@link Math#rint} rounds half to even exactly, and the
 * clamped code times {@code 2^-FL} is again an exact double.
 */
public final class ExactQuantizer {
    private ExactQuantizer() {}

    /**
     * The integer code of {@code x}: {@code rint(x * 2^FL)} clamped to the format's code range.
     * Infinities saturate.
     *
     * @throws IllegalArgumentException for NaN
     */
    public static long code(float x, LayerFormat format) {
        if (Float.isNaN(x)) {
            throw new IllegalArgumentException("ExactQuantizer: NaN cannot be quantized to " + format);
        }
        double scaled = Math.rint(Math.scalb((double) x, format.fracLength()));
        if (scaled <= format.minCode()) {
            return format.minCode();
        }
        if (scaled >= format.maxCode()) {
            return format.maxCode();
        }
        return (long) scaled;
    }

    /** The value of {@code x} on the format's grid (round half to even, saturate), exactly. */
    public static double quantize(float x, LayerFormat format) {
        return Math.scalb((double) code(x, format), -format.fracLength());
    }

    /**
     * Quantizes every element of {@code values} into {@code out} (which may be the same array only
     * if the caller accepts float rounding of the result; values that fit a float are exact).
     *
     * @throws IllegalArgumentException naming {@code what} and the first index holding NaN
     */
    public static void quantize(String what, float[] values, LayerFormat format, double[] out) {
        if (out.length < values.length) {
            throw new IllegalArgumentException("ExactQuantizer: output for " + what + " has length "
                    + out.length + ", needs " + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            if (Float.isNaN(values[i])) {
                throw new IllegalArgumentException("ExactQuantizer: " + what + "[" + i + "] is NaN");
            }
            out[i] = quantize(values[i], format);
        }
    }
}

package bitflex.precision.integer;

import bitflex.engine.fixed.Rounding;
import bitflex.engine.fixed.gemm.Accumulator;

/**
 * Knobs of the INTEGER training mode, with documented defaults.
 *
 * <table>
 * <caption>Defaults</caption>
 * <tr><th>parameter</th><th>default</th><th>why</th></tr>
 * <tr><td>activationBits</td><td>8</td><td>int8 operands use the int8 GEMM kernels; dynamic fixed
 *     point per batch (FL from the batch's largest magnitude), so nothing saturates</td></tr>
 * <tr><td>gradientBits</td><td>8</td><td>output gradients entering the backward GEMMs, dynamic fixed
 *     point per batch; with stochastic rounding they are unbiased, so 8 bits suffice where nearest
 *     rounding would flush every component below 2^-8 of the largest to zero</td></tr>
 * <tr><td>gradientRounding</td><td>STOCHASTIC</td><td>unbiased: E[q(g)] = g, so the weight gradient,
 *     a sum over the batch, is unbiased too (Gupta et al. 2015; RCT)</td></tr>
 * <tr><td>outputBits</td><td>16</td><td>the requantized outputs of GEMMs and convolutions (forward
 *     activations and input gradients) before the next layer's own quantization: 16 bits keep the
 *     requantization error far below that of the next 8-bit quantization</td></tr>
 * <tr><td>weightGradientBits</td><td>16</td><td>the weight gradient handed to the update, nearest-even
 *     from its range</td></tr>
 * <tr><td>biasBits</td><td>16</td><td>biases are added in the accumulator; 16 bits with FL from their
 *     range keep small updates alive</td></tr>
 * <tr><td>momentum</td><td>0 (none)</td><td>SGD momentum {@code v = mu v + g}, {@code w -= lr v} with
 *     {@code v} kept in fixed point ({@code momentumBits}, FL from its range each step, stochastic
 *     rounding): optimizer state never becomes float. The CLI passes its {@code --momentum}.</td></tr>
 * <tr><td>momentumBits</td><td>16</td><td>the velocity sums many gradients: 16 bits keep its small
 *     components alive next to its largest</td></tr>
 * <tr><td>accumulator</td><td>32-bit saturating</td><td>DESIGN.md's 32-bit default; saturating rather
 *     than wrapping so a rare overflow clips instead of flipping sign (the kernels stay on their fast
 *     path whenever the data prove no partial sum can overflow)</td></tr>
 * <tr><td>lambda1</td><td>0 (none)</td><td>L1 sparsification: the subgradient {@code lambda1 sign(w)}
 *     joins the weight gradient (before the velocity) as stochastically rounded codes in the gradient's
 *     format, so small weights drift to exact integer zeros; a zero weight is not pushed. The CLI
 *     passes its {@code --lambda1}.</td></tr>
 * </table>
 *
 * @param seed seed of every stochastic rounding (gradient quantization, updates, format changes)
 */
public record IntegerOptions(int activationBits, int gradientBits, Rounding gradientRounding, int outputBits,
                             int weightGradientBits, int biasBits, Accumulator accumulator, long seed,
                             double momentum, int momentumBits, double lambda1) {
    /** Widest operand the integer GEMM and convolution kernels take. */
    public static final int MAX_OPERAND_BITS = 16;

    public IntegerOptions {
        check("activationBits", activationBits, 2, MAX_OPERAND_BITS);
        check("gradientBits", gradientBits, 2, MAX_OPERAND_BITS);
        check("outputBits", outputBits, 2, 24);
        check("weightGradientBits", weightGradientBits, 2, 32);
        check("biasBits", biasBits, 2, 32);
        check("momentumBits", momentumBits, 2, 32);
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("IntegerOptions.momentum must be in [0, 1), got " + momentum);
        }
        if (!(lambda1 >= 0) || Double.isInfinite(lambda1)) {
            throw new IllegalArgumentException("IntegerOptions.lambda1 must be finite and >= 0, got " + lambda1);
        }
        if (gradientRounding == null || accumulator == null) {
            throw new IllegalArgumentException("IntegerOptions: gradientRounding and accumulator must not be null");
        }
    }

    private static void check(String field, int v, int lo, int hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException("IntegerOptions." + field + " must be in [" + lo + ", " + hi + "], got " + v);
        }
    }

    /** The defaults above with the given seed. */
    public static IntegerOptions defaults(long seed) {
        return new IntegerOptions(8, 8, Rounding.STOCHASTIC, 16, 16, 16, Accumulator.INT32_SATURATE, seed, 0, 16, 0);
    }

    public IntegerOptions withActivationBits(int bits) {
        return new IntegerOptions(bits, gradientBits, gradientRounding, outputBits, weightGradientBits, biasBits, accumulator, seed, momentum, momentumBits, lambda1);
    }

    public IntegerOptions withGradientBits(int bits) {
        return new IntegerOptions(activationBits, bits, gradientRounding, outputBits, weightGradientBits, biasBits, accumulator, seed, momentum, momentumBits, lambda1);
    }

    public IntegerOptions withGradientRounding(Rounding r) {
        return new IntegerOptions(activationBits, gradientBits, r, outputBits, weightGradientBits, biasBits, accumulator, seed, momentum, momentumBits, lambda1);
    }

    public IntegerOptions withAccumulator(Accumulator a) {
        return new IntegerOptions(activationBits, gradientBits, gradientRounding, outputBits, weightGradientBits, biasBits, a, seed, momentum, momentumBits, lambda1);
    }

    /** SGD momentum in [0, 1), 0 for none. */
    public IntegerOptions withMomentum(double mu) {
        return new IntegerOptions(activationBits, gradientBits, gradientRounding, outputBits, weightGradientBits, biasBits,
                accumulator, seed, mu, momentumBits, lambda1);
    }

    /** The L1 penalty weight, finite and >= 0, 0 for none. */
    public IntegerOptions withLambda1(double l) {
        return new IntegerOptions(activationBits, gradientBits, gradientRounding, outputBits, weightGradientBits, biasBits,
                accumulator, seed, momentum, momentumBits, l);
    }
}

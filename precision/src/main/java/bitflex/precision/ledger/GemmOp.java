package bitflex.precision.ledger;

/**
 * One pass of one layer in one step, as the trainer ran it: its shape, the operand and output
 * bitwidths, whether the arithmetic was float32 or integer, and the weight word length and density
 * that AdaPT's bit-weighted MACs use.
 *
 * @param layer        layer name
 * @param pass         which pass
 * @param shape        MACs and element counts
 * @param arithmetic   FLOAT32 (bits must be 32) or INTEGER
 * @param leftBits     bits per element of the left operand ({@code W} forward and backward-input, {@code dy} backward-weight)
 * @param rightBits    bits per element of the right operand ({@code x}, {@code dy}, {@code x})
 * @param outputBits   bits per element of the stored output
 * @param weightBits   the layer's weight word length WL (for bit-weighted MACs)
 * @param density      fraction of non-zero weights, in [0, 1]
 */
public record GemmOp(String layer, Pass pass, GemmShape shape, Arithmetic arithmetic,
                     int leftBits, int rightBits, int outputBits, int weightBits, double density) {

    /** How the products were computed. */
    public enum Arithmetic { FLOAT32, INTEGER }

    public GemmOp {
        if (layer == null || layer.isBlank()) {
            throw new IllegalArgumentException("GemmOp: layer name is blank");
        }
        if (pass == null || shape == null || arithmetic == null) {
            throw new IllegalArgumentException("GemmOp " + layer + ": pass, shape and arithmetic are required");
        }
        for (int b : new int[] {leftBits, rightBits, outputBits, weightBits}) {
            if (b < 1 || b > 32) {
                throw new IllegalArgumentException("GemmOp " + layer + " " + pass + ": bit widths must be in [1, 32], got "
                        + leftBits + "/" + rightBits + "/" + outputBits + "/" + weightBits);
            }
        }
        if (arithmetic == Arithmetic.FLOAT32 && (leftBits != 32 || rightBits != 32)) {
            throw new IllegalArgumentException("GemmOp " + layer + " " + pass + ": float32 operands are 32 bits, got "
                    + leftBits + "/" + rightBits);
        }
        if (!(density >= 0 && density <= 1)) {
            throw new IllegalArgumentException("GemmOp " + layer + " " + pass + ": density must be in [0, 1], got " + density);
        }
    }

    /** The three passes of a float32 layer (the baseline's own run). */
    public static GemmOp[] float32(String layer, LayerGemms gemms) {
        GemmOp[] ops = new GemmOp[3];
        for (Pass p : Pass.values()) {
            ops[p.ordinal()] = new GemmOp(layer, p, gemms.of(p), Arithmetic.FLOAT32, 32, 32, 32, 32, 1.0);
        }
        return ops;
    }

    /**
     * The three passes of an integer layer with weights of {@code weightBits}, activations of
     * {@code activationBits} and gradients (of activations and weights) of {@code gradientBits}.
     */
    public static GemmOp[] integer(String layer, LayerGemms gemms, int weightBits, int activationBits,
                                   int gradientBits, double density) {
        return new GemmOp[] {
            new GemmOp(layer, Pass.FORWARD, gemms.forward(), Arithmetic.INTEGER,
                    weightBits, activationBits, activationBits, weightBits, density),
            new GemmOp(layer, Pass.BACKWARD_INPUT, gemms.backwardInput(), Arithmetic.INTEGER,
                    weightBits, gradientBits, gradientBits, weightBits, density),
            new GemmOp(layer, Pass.BACKWARD_WEIGHT, gemms.backwardWeight(), Arithmetic.INTEGER,
                    gradientBits, activationBits, gradientBits, weightBits, density),
        };
    }
}

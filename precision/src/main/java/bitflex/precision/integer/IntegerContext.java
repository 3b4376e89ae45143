package bitflex.precision.integer;

/**
 * What the integer layers of one model share: the options and the current training step, which
 * keys every stochastic draw so that results depend only on (seed, layer, step, element).
 */
final class IntegerContext {
    /** What a stochastic draw is for; part of its stream id so no two uses share draws. */
    enum Purpose { GRADIENT, WEIGHT_UPDATE, BIAS_UPDATE, WEIGHT_CONVERT, BIAS_CONVERT, WEIGHT_MOMENTUM, BIAS_MOMENTUM }

    private static final int MAX_LAYERS = 1 << 12;

    private final IntegerOptions options;
    private long step;

    IntegerContext(IntegerOptions options) {
        this.options = options;
    }

    IntegerOptions options() {
        return options;
    }

    long step() {
        return step;
    }

    void setStep(long step) {
        this.step = step;
    }

    /** The counter-generator stream of one (step, layer, purpose). */
    long stream(int layer, Purpose purpose) {
        if (layer < 0 || layer >= MAX_LAYERS) {
            throw new IllegalArgumentException("integer mode: at most " + MAX_LAYERS + " layers, got index " + layer);
        }
        return (step * MAX_LAYERS + layer) * Purpose.values().length + purpose.ordinal();
    }

    /**
     * The stream of the L1 subgradient's rounding for one (step, layer): the bitwise complement of
     * the weight update's stream, so negative and disjoint from every {@link Purpose} stream, while
     * adding no purpose keeps the numbering, and so every draw of a run without L1, unchanged.
     */
    long l1Stream(int layer) {
        return ~stream(layer, Purpose.WEIGHT_UPDATE);
    }
}

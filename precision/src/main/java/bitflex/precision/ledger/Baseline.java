package bitflex.precision.ledger;

/** What a bitflex figure is compared with. Every saving the ledger reports names one of these. */
public enum Baseline {
    /**
     * Plain float32 training: every GEMM operand, output, weight, gradient, optimizer slot and saved
     * activation in 32-bit floats, float multiply-accumulates, no master copy.
     */
    FP32("float32 training"),
    /**
     * Quantization-aware training as RCT compares against: an fp32 master copy plus an int8 weight
     * copy; forward GEMMs int8 x int8 into an int32 accumulator with int8 outputs; backward GEMMs,
     * gradients, optimizer state and saved activations in float32 (the straight-through estimator's
     * gradients are float).
     */
    QAT("QAT: fp32 master + int8 copy, int8 forward, fp32 backward");

    private final String description;

    Baseline(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}

package bitflex.precision.ledger;

/**
 * The three passes of one weight layer for one mini-batch. Operands: forward {@code W} and {@code x}
 * to {@code y}; backward-input {@code W} and {@code dy} to {@code dx}; backward-weight {@code dy}
 * and {@code x} to {@code dW}.
 */
public record LayerGemms(GemmShape forward, GemmShape backwardInput, GemmShape backwardWeight) {

    public GemmShape of(Pass pass) {
        return switch (pass) {
            case FORWARD -> forward;
            case BACKWARD_INPUT -> backwardInput;
            case BACKWARD_WEIGHT -> backwardWeight;
        };
    }

    /** MACs of a full training step (all three passes). */
    public long trainingMacs() {
        return forward.macs() + backwardInput.macs() + backwardWeight.macs();
    }
}

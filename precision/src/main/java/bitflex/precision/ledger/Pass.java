package bitflex.precision.ledger;

/** The three GEMM-like passes of a weight layer in one training step. */
public enum Pass {
    /** {@code y = W x}. */
    FORWARD,
    /** {@code dx = W^T dy}. */
    BACKWARD_INPUT,
    /** {@code dW = dy x^T}. */
    BACKWARD_WEIGHT
}

package bitflex.precision.ledger;

/**
 * Size of one pass: multiply-accumulates and the element counts of its two operands and its output
 * (for the memory traffic: each operand read once, the output written once).
 */
public record GemmShape(long macs, long leftElements, long rightElements, long outputElements) {
    public GemmShape {
        if (macs < 0 || leftElements < 0 || rightElements < 0 || outputElements < 0) {
            throw new IllegalArgumentException("GemmShape: counts must be non-negative, got macs=" + macs
                    + " left=" + leftElements + " right=" + rightElements + " output=" + outputElements);
        }
    }
}

package bitflex.engine.autograd;

import bitflex.engine.tensor.Tensor;

/**
 * The derivative rule of a {@link Op.Custom} op: given the gradient of the loss with respect to the
 * op's output, returns one gradient per input (same shape as that input; null where the input does
 * not require a gradient). It runs once per backward pass with grad mode off, and may have side
 * effects, such as storing the gradient of state the op keeps outside the graph (integer weights).
 */
@FunctionalInterface
public interface CustomBackward {
    Tensor[] backward(Tensor gradOutput);
}

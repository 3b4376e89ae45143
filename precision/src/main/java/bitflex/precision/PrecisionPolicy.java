package bitflex.precision;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.nn.checkpoint.Checkpoint;

import java.util.List;

/**
 * A per-layer precision policy, called by the trainer at its hooks. It knows layers only by name
 * and sees plain arrays, so it is independent of the nn module; an nn listener adapts it.
 *
 * <p>Call order per training step: {@link #afterBackward} once for each registered layer that has
 * a gradient, the optimizer step, {@link #afterUpdate} once for each layer it updated, then
 * {@link #afterStep} once. Formats may change only inside {@code afterStep};
 * {@link #format} is what the next step's forward pass must use. Policies are deterministic: the
 * same sequence of calls gives the same decisions.
 */
public interface PrecisionPolicy {

    /** Short name used in logs and reports: {@code static}, {@code adapt}, {@code rct}. */
    String name();

    /**
     * Registers a layer before training and returns its initial weight format.
     *
     * @param layer   unique layer name (for example the state-dict key of its weight)
     * @param weights the layer's initial weights (read only, not kept)
     * @throws IllegalArgumentException if the name is already registered or the weights are empty
     */
    FixedPointFormat register(String layer, float[] weights);

    /**
     * After the backward pass: the layer's weights as used in this step's forward pass, the gradient
     * of the loss with respect to them, and the learning rate the optimizer is about to apply. Both
     * arrays are read only and not kept. {@code weights} is null when {@link #readsWeightsAfterBackward}
     * is false and the training mode would have to build the array for this call (integer mode).
     */
    void afterBackward(long step, String layer, float[] weights, float[] gradients, double learningRate);

    /**
     * Whether {@link #afterBackward} reads its {@code weights}. Integer mode keeps no float copy of the
     * weights, so it dequantizes them for that call only when this is true; the built-in policies
     * judge gradients and updates and say false. The default, true, is right for any policy.
     */
    default boolean readsWeightsAfterBackward() {
        return true;
    }

    /**
     * After the optimizer step, before {@link #afterStep}: the change the optimizer applied to the
     * layer's weights in this step was {@code scale * direction[i]} for every element. The caller
     * picks the factorisation that states the update exactly: a mode with a float master passes the
     * measured difference {@code after - before} with scale 1 (which covers momentum, Nesterov, Adam
     * and weight decay alike); integer mode passes its fixed-point velocity (or the gradient without
     * momentum) with scale {@code -lr}, the update before its stochastic rounding. With plain SGD
     * this is {@code -lr * gradient}. The array is read only and not kept (callers reuse it).
     *
     * <p>The default does nothing: policies that judge gradients, not updates, ignore it.
     */
    default void afterUpdate(long step, String layer, float[] direction, double scale) {
    }

    /**
     * After the optimizer step: the step's training loss (NaN if unknown) and access to the updated
     * weights. Returns the decisions taken at this step (empty if none), also appended to {@link #decisions()}.
     */
    List<PrecisionDecision> afterStep(long step, double loss, LayerWeights weights);

    /** The current weight format of a registered layer. */
    FixedPointFormat format(String layer);

    /** Registered layer names in registration order. */
    List<String> layers();

    /** Every decision so far, in order. */
    List<PrecisionDecision> decisions();

    /**
     * Everything the policy needs to continue exactly where it is (per-layer formats, windows and
     * the decision log), for checkpoints; called between steps.
     *
     * @throws UnsupportedOperationException if this policy cannot save its state
     */
    default Checkpoint saveState() {
        throw new UnsupportedOperationException("the " + name() + " policy cannot save its state; its runs cannot be resumed");
    }

    /**
     * Restores what {@link #saveState()} wrote into a policy built with the same parameters and with
     * the same layers registered.
     *
     * @throws IllegalArgumentException if the state is for other layers or another policy
     */
    default void loadState(Checkpoint state) {
        throw new UnsupportedOperationException("the " + name() + " policy cannot restore its state; its runs cannot be resumed");
    }
}

package bitflex.nn.train;

/**
 * Hooks into a {@link Trainer}'s loop. Precision policies, sparsifiers and loggers implement this;
 * the trainer knows nothing about them. All methods run on the training thread, in the order the
 * listeners were added; the {@link StepInfo} object is reused from step to step, so copy out what
 * must outlive the call.
 */
public interface TrainingListener {
    /** Before the forward pass of a step ({@link StepInfo#output()} is still null); e.g. to quantize weights. */
    default void beforeForward(StepInfo step) {}

    /** After the forward pass and loss of a step (before gradients are zeroed and computed). */
    default void afterForward(StepInfo step) {}

    /** After backward: parameter gradients hold this step's values. */
    default void afterBackward(StepInfo step) {}

    /** After the optimizer updated the parameters. */
    default void afterStep(StepInfo step) {}

    /** After an epoch and its evaluation. */
    default void afterEpoch(EpochResult result) {}
}

package bitflex.nn.train;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.nn.optim.Optimizer;

/**
 * What a {@link TrainingListener} sees of the current step. One object per trainer, updated in
 * place; {@link #output()} and {@link #lossTensor()} are valid only during the callback (they live
 * in the step's workspace).
 */
public final class StepInfo {
    private final Trainer trainer;
    int epoch;
    int batchIndex;
    long step;
    int batchSize;
    float loss;
    Tensor output;
    Tensor lossTensor;
    int[] labels;

    StepInfo(Trainer trainer) {
        this.trainer = trainer;
    }

    /** 0-based epoch. */
    public int epoch() {
        return epoch;
    }

    /** 0-based batch index within the epoch. */
    public int batchIndex() {
        return batchIndex;
    }

    /** 0-based global step (optimizer steps taken before this one). */
    public long step() {
        return step;
    }

    /** Samples in this batch. */
    public int batchSize() {
        return batchSize;
    }

    /** This step's loss value. */
    public float loss() {
        return loss;
    }

    /** The model's output for this batch (valid during the callback only). */
    public Tensor output() {
        return output;
    }

    /** The loss tensor (valid during the callback only). */
    public Tensor lossTensor() {
        return lossTensor;
    }

    /** The batch's labels; entries {@code [0, batchSize())} are valid. */
    public int[] labels() {
        return labels;
    }

    public Module model() {
        return trainer.model();
    }

    public Optimizer optimizer() {
        return trainer.optimizer();
    }

    public Trainer trainer() {
        return trainer;
    }
}

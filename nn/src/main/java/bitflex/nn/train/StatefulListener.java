package bitflex.nn.train;

import bitflex.nn.checkpoint.Checkpoint;

/**
 * A {@link TrainingListener} whose state is part of a training run (a float master copy, a
 * precision policy's windows): the {@link Trainer} writes it into every checkpoint under
 * {@code listener.<stateName()>.} and gives it back on {@link Trainer#restore}, so a resumed run
 * continues bit-identically. Add the listener to the trainer before restoring.
 */
public interface StatefulListener extends TrainingListener {
    /** A short key, unique among the trainer's listeners (letters, digits, '_' and '-'). */
    String stateName();

    /** Everything needed to continue; called between steps. */
    Checkpoint saveState();

    /**
     * Restores what {@link #saveState()} wrote, after the model and optimizer were restored.
     *
     * @throws IllegalArgumentException if the state does not fit this listener (naming what differs)
     */
    void loadState(Checkpoint state);
}

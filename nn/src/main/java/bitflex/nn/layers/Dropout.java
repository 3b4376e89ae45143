package bitflex.nn.layers;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.nn.checkpoint.Checkpoint;
import bitflex.engine.tensor.Functional;
import bitflex.nn.init.Init;
import java.util.SplittableRandom;

/**
 * Inverted dropout: in training, zeroes each element with probability {@code p} and scales the
 * rest by {@code 1/(1-p)}; in evaluation, the identity. The mask of the {@code k}-th training call
 * comes from a generator seeded by {@code (seed, k)}, and {@code k} is part of the module's extra
 * state, so a resumed run draws the same masks.
 */
public final class Dropout extends Module {
    private final double p;
    private final long seed;
    private long calls;

    public Dropout(double p, long seed) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        }
        this.p = p;
        this.seed = seed;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0) {
            return x;
        }
        return Functional.dropout(x, (float) p, true, new SplittableRandom(Init.derive(seed, calls++)));
    }

    public double p() {
        return p;
    }

    @Override
    protected void saveExtra(String prefix, Checkpoint c) {
        c.putLong(prefix + "calls", calls);
    }

    @Override
    protected void loadExtra(String prefix, Checkpoint c) {
        if (c.has(prefix + "calls")) {
            calls = c.getLong(prefix + "calls");
        }
    }

    @Override
    protected String describe() {
        return "p=" + p;
    }
}

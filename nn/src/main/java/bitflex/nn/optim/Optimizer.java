package bitflex.nn.optim;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.checkpoint.Checkpoint;
import java.util.List;

/**
 * Updates parameters in place from their gradients. State buffers (momentum, moments) are
 * allocated once, when the optimizer is built, and reused for every step. Parameters without a
 * gradient (frozen, or not reached by backward) are skipped.
 */
public abstract class Optimizer {
    protected final List<Tensor> params;
    protected double lr;
    protected long steps;

    protected Optimizer(List<Tensor> params, double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": lr must be a finite number >= 0, got " + lr);
        }
        this.params = List.copyOf(params);
        this.lr = lr;
    }

    /** The parameters this optimizer updates, in order. */
    public List<Tensor> parameters() {
        return params;
    }

    /** The learning rate the next step uses. */
    public double lr() {
        return lr;
    }

    /** Sets the learning rate for the next steps (schedules call this). */
    public void setLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": lr must be a finite number >= 0, got " + lr);
        }
        this.lr = lr;
    }

    /** Steps taken so far. */
    public long steps() {
        return steps;
    }

    /**
     * Bytes of state buffers this optimizer allocated for parameter {@code i} (momentum, moments);
     * 0 when it keeps none (plain SGD). For memory reports.
     */
    public long stateBytes(int i) {
        if (i < 0 || i >= params.size()) {
            throw new IllegalArgumentException(name() + ".stateBytes: parameter index " + i + " outside [0, "
                    + params.size() + ")");
        }
        long b = 0;
        for (float[][] slot : stateBuffers()) {
            if (slot != null) {
                b += (long) Float.BYTES * slot[i].length;
            }
        }
        return b;
    }

    /**
     * The per-parameter state buffers, one array per slot ({@code [slot][param][]}); a null slot
     * holds nothing. Subclasses with state override this; the default has none.
     */
    protected float[][][] stateBuffers() {
        return new float[0][][];
    }

    /** Sets every parameter's gradient to zero. */
    public void zeroGrad() {
        for (Tensor p : params) {
            p.zeroGrad();
        }
    }

    /** Applies one update to every parameter that has a gradient. */
    public final void step() {
        steps++;
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            Tensor g = p.grad();
            if (g != null) {
                update(i, p.data(), g.data(), p.numel());
            }
        }
    }

    /** Updates parameter {@code i}: {@code n} values {@code w} from gradient {@code g}; {@link #steps} is already counted. */
    protected abstract void update(int i, float[] w, float[] g, int n);

    /** A short name for checkpoints and reports ("sgd", "adam", "adamw"). */
    public abstract String name();

    /** The step count and state buffers, to checkpoint. */
    public Checkpoint state() {
        Checkpoint c = new Checkpoint().putLong("step", steps).putString("name", name())
                .putFloats("lr", new int[0], new float[] {(float) lr});
        saveBuffers(c);
        return c;
    }

    /** Restores what {@link #state()} saved (the optimizer must be built over the same parameters). */
    public void loadState(Checkpoint c) {
        if (!name().equals(c.string("name"))) {
            throw new IllegalArgumentException("optimizer state is for '" + c.string("name") + "', not '" + name() + "'");
        }
        steps = c.getLong("step");
        loadBuffers(c);
    }

    protected abstract void saveBuffers(Checkpoint c);

    protected abstract void loadBuffers(Checkpoint c);

    /** Copies a saved buffer back, checking its length. */
    protected static void restore(Checkpoint c, String key, float[] into) {
        float[] v = c.floats(key);
        if (v.length != into.length) {
            throw new IllegalArgumentException("optimizer state '" + key + "' has " + v.length + " values, the parameter has " + into.length);
        }
        System.arraycopy(v, 0, into, 0, v.length);
    }

    protected float[][] buffers() {
        float[][] b = new float[params.size()][];
        for (int i = 0; i < b.length; i++) {
            b[i] = new float[params.get(i).numel()];
        }
        return b;
    }

    protected static void checkRange(String opt, String what, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) {
            throw new IllegalArgumentException(opt + ": " + what + " must be in [" + lo + ", " + hi + "], got " + v);
        }
    }
}

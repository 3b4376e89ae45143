package bitflex.nn;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.checkpoint.Checkpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A layer or a model: it owns parameters (tensors that require gradients), buffers (state that is
 * saved but not trained, such as batch-norm running statistics) and child modules, and maps an input
 * tensor to an output tensor in {@link #forward}.
 *
 * <p>Names follow PyTorch, so weights move between the two: {@link #stateDict()} keys are the
 * dotted paths of parameters and buffers ({@code 0.weight}, {@code 3.bias},
 * {@code 1.running_mean}), children of a {@link bitflex.nn.layers.Sequential} are named by index,
 * and layouts are PyTorch's ({@code Linear} weight {@code [out, in]}, {@code Conv2d} weight
 * {@code [out, in, kh, kw]}, activations NCHW).
 */
public abstract class Module {
    private final LinkedHashMap<String, Tensor> params = new LinkedHashMap<>();
    private final LinkedHashMap<String, Buffer> buffers = new LinkedHashMap<>();
    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();
    private final List<ForwardHook> hooks = new ArrayList<>(1);
    private boolean training = true;

    /**
     * A saved, untrained array: float values with a shape, or a single long counter (PyTorch's
     * {@code num_batches_tracked} is an int64).
     */
    protected record Buffer(int[] shape, float[] floats, long[] counter) {}

    /**
     * Maps the input to the output, recording the autograd graph when gradients are enabled. Callers
     * that want this module's {@link ForwardHook}s to run use {@link #apply} instead.
     */
    public abstract Tensor forward(Tensor x);

    /** Runs {@link #forward} with this module's forward hooks around it (in the order they were added). */
    public final Tensor apply(Tensor x) {
        if (hooks.isEmpty()) {
            return forward(x);
        }
        Tensor in = x;
        for (int i = 0; i < hooks.size(); i++) {
            in = hooks.get(i).beforeForward(this, in);
        }
        Tensor out = forward(in);
        for (int i = 0; i < hooks.size(); i++) {
            out = hooks.get(i).afterForward(this, in, out);
        }
        return out;
    }

    /** Whether any forward hook is attached to this module itself (a container may then not fuse it away). */
    public final boolean hasForwardHooks() {
        return !hooks.isEmpty();
    }

    /** Adds a forward hook to this module (not its children); returns an action that removes it. */
    public final Runnable addForwardHook(ForwardHook hook) {
        hooks.add(hook);
        return () -> hooks.remove(hook);
    }

    /** Registers a parameter (it is made to require gradients) under {@code name}. */
    protected final Tensor registerParameter(String name, Tensor p) {
        checkName(name);
        p.requiresGrad(true);
        params.put(name, p);
        return p;
    }

    /** Registers a float buffer (saved in the state dict, not trained). */
    protected final float[] registerBuffer(String name, int[] shape, float[] data) {
        checkName(name);
        buffers.put(name, new Buffer(shape.clone(), data, null));
        return data;
    }

    /** Registers a long counter buffer, saved with shape {@code []}. */
    protected final long[] registerCounter(String name, long[] holder) {
        checkName(name);
        buffers.put(name, new Buffer(new int[0], null, holder));
        return holder;
    }

    /** Registers a child module under {@code name}. */
    protected final <M extends Module> M registerModule(String name, M child) {
        checkName(name);
        children.put(name, child);
        return child;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid member name '" + name + "'");
        }
        if (params.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": '" + name + "' is already registered");
        }
    }

    /** All parameters of this module and its descendants, in registration order. */
    public final List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** All parameters by dotted path, in registration order. */
    public final LinkedHashMap<String, Tensor> namedParameters() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        collectParams("", out);
        return out;
    }

    private void collectParams(String prefix, Map<String, Tensor> out) {
        params.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, c) -> c.collectParams(prefix + k + ".", out));
    }

    /** This module's direct children by name. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** This module (under "") and all descendants by dotted path, parents before children. */
    public final LinkedHashMap<String, Module> namedModules() {
        LinkedHashMap<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String path, Map<String, Module> out) {
        out.put(path, this);
        children.forEach((k, c) -> c.collectModules(path.isEmpty() ? k : path + "." + k, out));
    }

    /** Total number of trainable values. */
    public final long parameterCount() {
        long n = 0;
        for (Tensor p : parameters()) {
            n += p.numel();
        }
        return n;
    }

    /** Sets training mode (batch statistics, dropout) on this module and all descendants. */
    public final Module train(boolean on) {
        training = on;
        for (Module c : children.values()) {
            c.train(on);
        }
        return this;
    }

    /** Training mode. */
    public final Module train() {
        return train(true);
    }

    /** Evaluation mode (running statistics, no dropout). */
    public final Module eval() {
        return train(false);
    }

    public final boolean isTraining() {
        return training;
    }

    /** Sets every parameter's gradient to zero. */
    public final void zeroGrad() {
        for (Tensor p : parameters()) {
            p.zeroGrad();
        }
    }

    /** A copy of all parameters and buffers by dotted path (PyTorch's keys and layouts). */
    public final Checkpoint stateDict() {
        Checkpoint c = new Checkpoint();
        collectState("", c);
        return c;
    }

    private void collectState(String prefix, Checkpoint c) {
        params.forEach((k, p) -> c.putFloats(prefix + k, p.shape(), p.toArray()));
        buffers.forEach((k, b) -> {
            if (b.counter() != null) {
                c.putLongs(prefix + k, new int[0], b.counter().clone());
            } else {
                c.putFloats(prefix + k, b.shape(), b.floats());
            }
        });
        children.forEach((k, m) -> m.collectState(prefix + k + ".", c));
    }

    /**
     * Copies values from a state dict into this module's parameters and buffers. Strict: the key
     * sets must be equal and every shape must match, otherwise nothing is changed and the error lists
     * the missing, unexpected or mismatched keys.
     */
    public final void loadStateDict(Checkpoint state) {
        LinkedHashMap<String, Object> targets = new LinkedHashMap<>();
        collectTargets("", targets);
        TreeSet<String> missing = new TreeSet<>(targets.keySet());
        missing.removeAll(state.names());
        TreeSet<String> unexpected = new TreeSet<>(state.names());
        unexpected.removeAll(targets.keySet());
        List<String> problems = new ArrayList<>();
        if (!missing.isEmpty()) {
            problems.add("missing keys " + missing);
        }
        if (!unexpected.isEmpty()) {
            problems.add("unexpected keys " + unexpected);
        }
        for (Map.Entry<String, Object> e : targets.entrySet()) {
            if (!state.has(e.getKey())) {
                continue;
            }
            int[] want = e.getValue() instanceof Tensor t ? t.shape() : ((Buffer) e.getValue()).shape();
            int[] got = state.shape(e.getKey());
            boolean kindOk = e.getValue() instanceof Buffer b && b.counter() != null
                    ? state.entry(e.getKey()).kind() == Checkpoint.Kind.LONG
                    : state.entry(e.getKey()).kind() == Checkpoint.Kind.FLOAT;
            if (!Arrays.equals(want, got) || !kindOk) {
                problems.add("'" + e.getKey() + "' has shape " + Arrays.toString(got) + " " + state.entry(e.getKey()).kind()
                        + ", the model expects " + Arrays.toString(want));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("loadStateDict: " + String.join("; ", problems));
        }
        for (Map.Entry<String, Object> e : targets.entrySet()) {
            if (e.getValue() instanceof Tensor t) {
                float[] v = state.floats(e.getKey());
                System.arraycopy(v, 0, t.data(), 0, v.length);
            } else {
                Buffer b = (Buffer) e.getValue();
                if (b.counter() != null) {
                    b.counter()[0] = state.longs(e.getKey())[0];
                } else {
                    float[] v = state.floats(e.getKey());
                    System.arraycopy(v, 0, b.floats(), 0, v.length);
                }
            }
        }
    }

    private void collectTargets(String prefix, Map<String, Object> out) {
        params.forEach((k, p) -> out.put(prefix + k, p));
        buffers.forEach((k, b) -> out.put(prefix + k, b));
        children.forEach((k, m) -> m.collectTargets(prefix + k + ".", out));
    }

    /**
     * State outside the state dict that a bit-identical resume needs (e.g. a dropout layer's random
     * stream position), by dotted path. Empty by default.
     */
    public final Checkpoint extraState() {
        Checkpoint c = new Checkpoint();
        namedModules().forEach((path, m) -> m.saveExtra(path.isEmpty() ? "" : path + ".", c));
        return c;
    }

    /** Restores what {@link #extraState()} saved. */
    public final void loadExtraState(Checkpoint c) {
        namedModules().forEach((path, m) -> m.loadExtra(path.isEmpty() ? "" : path + ".", c));
    }

    /** Saves this module's own extra state under {@code prefix}. */
    protected void saveExtra(String prefix, Checkpoint c) {}

    /** Loads this module's own extra state from under {@code prefix}. */
    protected void loadExtra(String prefix, Checkpoint c) {}

    /** A one-line description of this layer (its constructor arguments). */
    protected String describe() {
        return "";
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        print(sb, "", "");
        return sb.toString();
    }

    private void print(StringBuilder sb, String indent, String name) {
        sb.append(indent).append(name.isEmpty() ? "" : "(" + name + "): ").append(getClass().getSimpleName())
                .append('(').append(describe()).append(')');
        for (Map.Entry<String, Module> e : children.entrySet()) {
            sb.append('\n');
            e.getValue().print(sb, indent + "  ", e.getKey());
        }
    }
}

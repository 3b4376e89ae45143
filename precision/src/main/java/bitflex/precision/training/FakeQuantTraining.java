package bitflex.precision.training;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.Quantizer;
import bitflex.engine.fixed.Rounding;
import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.nn.train.StepInfo;
import bitflex.nn.checkpoint.Checkpoint;
import bitflex.nn.train.StatefulListener;
import bitflex.precision.PrecisionDecision;
import bitflex.precision.PrecisionPolicy;
import bitflex.precision.format.RangeFormat;
import bitflex.precision.sparsity.L1Penalty;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code FAKE_QUANT} training mode (AdaPT's published setting) as a {@link TrainingListener}:
 * a float32 master copy of every weight is updated by the optimizer, while forward and backward see
 * the weights fake-quantized to the layer's current format from a {@link PrecisionPolicy}.
 *
 * <p>Which parameters: every parameter with two or more dimensions (Linear and Conv2d weights) is
 * registered with the policy under its {@link Module#namedParameters()} key. Biases and BatchNorm
 * scales and shifts (one dimension) stay float32 and are never quantized.
 *
 * <p>Between steps, a weight tensor holds the <em>quantized</em> values and this listener holds the
 * float master in one buffer per parameter, allocated once. So evaluation (and a checkpoint) between
 * steps sees what a fake-quant forward pass uses. Per step:
 * <ol>
 *   <li>{@code beforeForward}: make sure the quantized copy is in place (it normally is).</li>
 *   <li>{@code afterBackward}: the gradients were computed at the quantized point. Report each layer
 *       to {@code policy.afterBackward} (with the quantized weights), optionally add the L1
 *       subgradient {@code lambda1 * sign(master)}, optionally quantize the gradient to a per-step
 *       dynamic fixed-point format of {@code gradientBits}, then copy the masters back into the
 *       weight tensors so the optimizer updates the float master with that gradient (the
 *       straight-through estimator: the quantizer's derivative is taken as 1).</li>
 *   <li>{@code afterStep}: {@code policy.afterUpdate} with each updated layer's applied update
 *       (updated master minus the saved one), {@code policy.afterStep} on the updated masters
 *       (formats may change here), then save the masters and put their quantization in the new
 *       formats in place.</li>
 * </ol>
 * Quantization is the engine's {@link Quantizer} (saturating; nearest-even unless another rounding
 * is given; stochastic rounding draws from a counter generator keyed by seed, layer and step), whose
 * results do not depend on the thread count. Nothing here allocates arrays per step.
 */
public final class FakeQuantTraining implements StatefulListener, PrecisionRun {
    private final PrecisionPolicy policy;
    private final Rounding rounding;
    private final long seed;
    private final int gradientBits;
    private final L1Penalty l1;
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, Layer> byName = new LinkedHashMap<>();
    private boolean quantizedInPlace;
    private long quantizeCount;

    /** One registered weight: its tensor, its master buffer and its current quantizer. */
    private static final class Layer {
        final String name;
        final Tensor weight;
        final float[] master;
        final int index;
        Quantizer quantizer;
        FixedPointFormat gradientFormat;
        /** Had a gradient this step, so the optimizer updated its master. */
        boolean stepped;

        Layer(String name, Tensor weight, int index) {
            this.name = name;
            this.weight = weight;
            this.master = new float[weight.numel()];
            this.index = index;
        }
    }

    /**
     * @param model        the model; its weights are registered with {@code policy} now and
     *                     replaced by their quantization (the masters are kept here)
     * @param policy       decides the formats; must not have these layers registered yet
     * @param rounding     rounding of the weight quantization ({@link Rounding#NEAREST_EVEN} by default)
     * @param seed         seed of stochastic rounding (ignored by deterministic roundings)
     * @param gradientBits word length of the weight-gradient format (dynamic fixed point per layer and
     *                     step from the gradient's range, nearest-even), or 0 to keep gradients float32
     * @param lambda1      L1 penalty weight added to the weight gradients, or 0 for none
     */
    public FakeQuantTraining(Module model, PrecisionPolicy policy, Rounding rounding, long seed, int gradientBits,
                             double lambda1) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.rounding = Objects.requireNonNull(rounding, "rounding");
        this.seed = seed;
        if (gradientBits != 0 && (gradientBits < 2 || gradientBits > FixedPointFormat.MAX_WORD_LENGTH)) {
            throw new IllegalArgumentException("FakeQuantTraining: gradientBits must be 0 (off) or in [2, 32], got "
                    + gradientBits);
        }
        this.gradientBits = gradientBits;
        if (!(lambda1 >= 0) || Double.isInfinite(lambda1)) {
            throw new IllegalArgumentException("FakeQuantTraining: lambda1 must be finite and >= 0, got " + lambda1);
        }
        this.l1 = lambda1 == 0 ? null : new L1Penalty(lambda1);
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            Tensor w = e.getValue();
            if (w.dim() < 2) {
                continue;
            }
            if (!w.isContiguous()) {
                throw new IllegalArgumentException("FakeQuantTraining: weight '" + e.getKey() + "' is not dense");
            }
            Layer l = new Layer(e.getKey(), w, layers.size());
            FixedPointFormat f = policy.register(l.name, w.data());
            l.quantizer = Quantizer.of(f).withRounding(rounding);
            layers.add(l);
            byName.put(l.name, l);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("FakeQuantTraining: the model has no weight with 2 or more dimensions");
        }
        quantizeIn(0);
    }

    /** Nearest-even weights, float32 gradients, no L1 penalty. */
    public FakeQuantTraining(Module model, PrecisionPolicy policy) {
        this(model, policy, Rounding.NEAREST_EVEN, 0, 0, 0);
    }

    @Override
    public TrainingMode mode() {
        return TrainingMode.FAKE_QUANT;
    }

    /** The policy deciding the formats. */
    @Override
    public PrecisionPolicy policy() {
        return policy;
    }

    /** Names of the quantized weights, in registration order. */
    @Override
    public List<String> layers() {
        return Collections.unmodifiableList(new ArrayList<>(byName.keySet()));
    }

    /** The format a layer's weights are quantized to in the next forward pass. */
    public FixedPointFormat format(String layer) {
        return layer(layer).quantizer.format();
    }

    @Override
    public FixedPointFormat weightFormat(String layer) {
        return format(layer);
    }

    /** Null: fake-quant forward passes see float32 activations. */
    @Override
    public FixedPointFormat activationFormat(String layer) {
        layer(layer);
        return null;
    }

    /** The float32 weight tensor the quantized values live in. */
    @Override
    public long weightBytes(String layer) {
        return (long) Float.BYTES * layer(layer).weight.numel();
    }

    @Override
    public long masterCopyBytes(String layer) {
        return (long) Float.BYTES * layer(layer).master.length;
    }

    /** The layer's last weight-gradient format, or null if gradients are not quantized (or no step yet). */
    @Override
    public FixedPointFormat gradientFormat(String layer) {
        return layer(layer).gradientFormat;
    }

    /** The layer's float32 master weights (live buffer: read only). */
    public float[] master(String layer) {
        return layer(layer).master;
    }

    /** Every decision of the policy so far. */
    public List<PrecisionDecision> decisions() {
        return policy.decisions();
    }

    /** How many times the weights were (re)quantized into place; for tests of the step protocol. */
    public long quantizeCount() {
        return quantizeCount;
    }

    /**
     * Puts the float32 masters back into the weight tensors and detaches: after this the model is a
     * plain float32 model again (e.g. to continue without quantization). Idempotent.
     */
    public void restoreMasters() {
        if (quantizedInPlace) {
            for (Layer l : layers) {
                System.arraycopy(l.master, 0, l.weight.data(), 0, l.master.length);
            }
            quantizedInPlace = false;
        }
    }

    @Override
    public void beforeForward(StepInfo step) {
        if (!quantizedInPlace) {
            quantizeIn(step.step());
        }
    }

    @Override
    public void afterBackward(StepInfo step) {
        double lr = step.optimizer().lr();
        for (Layer l : layers) {
            Tensor g = l.weight.grad();
            if (g == null) {
                continue;
            }
            float[] grad = g.data();
            l.stepped = true;
            policy.afterBackward(step.step(), l.name, l.weight.data(), grad, lr);
            if (l1 != null) {
                l1.addGradient(l.master, grad);
            }
            if (gradientBits != 0) {
                FixedPointFormat gf = RangeFormat.forMaxAbs(gradientBits, RangeFormat.maxAbs(l.name + ".grad", grad));
                l.gradientFormat = gf;
                Quantizer.of(gf).fakeQuantize(l.name + ".grad", grad, 0, grad, 0, grad.length, 0);
            }
        }
        restoreMasters();
    }

    /**
     * Reports each updated layer's applied update {@code Δw = after - before} (the masters before the
     * step are still in {@code master}, the updated ones in the weight tensor) to
     * {@code policy.afterUpdate}, then runs {@code policy.afterStep} and requantizes.
     */
    @Override
    public void afterStep(StepInfo step) {
        for (Layer l : layers) {
            if (l.stepped) {
                l.stepped = false;
                // Δw is computed into the master buffer itself: quantizeIn below rewrites the master from
                // the updated weights, so no second buffer per weight is needed.
                float[] w = l.weight.data();
                float[] m = l.master;
                for (int i = 0; i < m.length; i++) {
                    m[i] = w[i] - m[i];
                }
                policy.afterUpdate(step.step(), l.name, m, 1.0);
            }
        }
        policy.afterStep(step.step(), step.loss(), name -> layer(name).weight.data());
        quantizeIn(step.step() + 1);
    }

    @Override
    public String stateName() {
        return "fake_quant";
    }

    /**
     * The float32 masters, the policy's name and state, and the settings that shape the run
     * (rounding, seed, gradient bits, lambda1), all checked on {@link #loadState}. Between steps the
     * model's weights hold the quantized copy, which the trainer's checkpoint saves with the model.
     */
    @Override
    public Checkpoint saveState() {
        Checkpoint c = new Checkpoint();
        c.putString("policy_name", policy.name());
        c.putString("settings", settings());
        for (Layer l : layers) {
            c.putFloats("master." + l.name, new int[] {l.master.length}, l.master);
        }
        c.putAll("policy.", policy.saveState());
        return c;
    }

    /**
     * Restores the masters and the policy, after the trainer restored the model (whose weights are
     * the quantized copy the next forward pass uses). The next step then runs exactly as it would have.
     */
    @Override
    public void loadState(Checkpoint c) {
        if (!policy.name().equals(c.string("policy_name"))) {
            throw new IllegalArgumentException("fake-quant: the checkpoint was trained with the " + c.string("policy_name")
                    + " policy, this run uses " + policy.name());
        }
        if (!settings().equals(c.string("settings"))) {
            throw new IllegalArgumentException("fake-quant: the checkpoint was trained with " + c.string("settings")
                    + ", this run has " + settings());
        }
        for (Layer l : layers) {
            String key = "master." + l.name;
            if (!c.has(key)) {
                throw new IllegalArgumentException("fake-quant: the checkpoint has no master copy of layer " + l.name);
            }
            float[] m = c.floats(key);
            if (m.length != l.master.length) {
                throw new IllegalArgumentException("fake-quant: the checkpoint's master of " + l.name + " has " + m.length
                        + " values, the layer has " + l.master.length);
            }
            System.arraycopy(m, 0, l.master, 0, m.length);
        }
        policy.loadState(c.withPrefix("policy."));
        for (Layer l : layers) {
            l.quantizer = l.quantizer.withFormat(policy.format(l.name));
        }
        quantizedInPlace = true;
    }

    private String settings() {
        return "rounding " + rounding + ", seed " + seed + ", gradient bits " + gradientBits + ", lambda1 "
                + (l1 == null ? 0.0 : l1.lambda());
    }

    /** Saves the masters from the weight tensors and writes their quantization in the current formats. */
    private void quantizeIn(long nextStep) {
        for (Layer l : layers) {
            FixedPointFormat f = policy.format(l.name);
            if (!f.equals(l.quantizer.format())) {
                l.quantizer = l.quantizer.withFormat(f);
            }
            float[] w = l.weight.data();
            System.arraycopy(w, 0, l.master, 0, w.length);
            Quantizer q = rounding == Rounding.STOCHASTIC ? l.quantizer.withSeed(seed, nextStep * layers.size() + l.index)
                    : l.quantizer;
            q.fakeQuantize(l.name, l.master, 0, w, 0, w.length, 0);
        }
        quantizedInPlace = true;
        quantizeCount++;
    }

    private Layer layer(String name) {
        Layer l = byName.get(name);
        if (l == null) {
            throw new IllegalArgumentException("FakeQuantTraining: unknown layer '" + name + "'");
        }
        return l;
    }
}

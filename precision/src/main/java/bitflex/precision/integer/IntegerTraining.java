package bitflex.precision.integer;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.nn.layers.AvgPool2d;
import bitflex.nn.layers.BatchNorm2d;
import bitflex.nn.layers.Conv2d;
import bitflex.nn.layers.Dropout;
import bitflex.nn.layers.Flatten;
import bitflex.nn.layers.Linear;
import bitflex.nn.layers.MaxPool2d;
import bitflex.nn.layers.ReLU;
import bitflex.nn.layers.ResidualBlock;
import bitflex.nn.layers.Sequential;
import bitflex.nn.train.StepInfo;
import bitflex.nn.checkpoint.Checkpoint;
import bitflex.nn.train.StatefulListener;
import bitflex.nn.train.TrainingListener;
import bitflex.precision.PrecisionDecision;
import bitflex.precision.PrecisionPolicy;
import bitflex.precision.format.RangeFormat;
import bitflex.precision.ledger.GemmGeometry;
import bitflex.precision.training.PrecisionRun;
import bitflex.precision.training.TrainingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code INTEGER} training mode (RCT's setting; DESIGN.md section 4): builds an integer twin of
 * a float model in which every Linear and Conv2d weight and bias exists only as integers in its
 * per-layer format, and, as a {@link TrainingListener} of the ordinary {@link bitflex.nn.train.Trainer},
 * applies the updates to those integers and lets a {@link PrecisionPolicy} move the formats.
 *
 * <pre>{@code
 * Module fp = Models.create("lenet5", 42);
 * IntegerTraining it = new IntegerTraining(fp, new RctPolicy(), IntegerOptions.defaults(42).withMomentum(0.9));
 * Module model = it.model();                       // fp is no longer needed
 * Trainer t = new Trainer(model, new SGD(model.parameters(), 0.05, 0.9), new CrossEntropyLoss(), cfg)
 *         .addListener(it);
 * }</pre>
 *
 * <p><b>What is integer.</b> Weights and biases (byte storage for WL <= 8, short for <= 16),
 * forward GEMMs and convolutions (int8 or int16 operands, the modelled 32-bit accumulator, exact
 * requantization), input and weight gradients (integer kernels over the quantized output gradient
 * and the saved integer activations), and the update {@code w += SR(-lr g / 2^-FL)}. Between layers,
 * float tensors carry exact grid values, so ReLU, max-pooling, flattening and dropout's 0-or-2 mask
 * are exact on them. <b>What stays float32, and why:</b> the loss (softmax and cross-entropy need
 * exp and log, and the last layer quantizes their gradient again); average pooling (a divide by the
 * window size, re-quantized by the next layer); batch norm (statistics, scale and shift in float32
 * over integer activations, trained by the float optimizer: normalisation needs a division by a
 * square root); residual sums (a float add of two carriers). There is no float copy of any integer
 * weight: {@link #masterCopyBytes} is 0, and the integer model registers no float weight.
 *
 * <p><b>Step protocol.</b> {@code beforeForward}: the step number keys this step's stochastic draws.
 * Backward leaves each layer's integer gradients in the layer. {@code afterBackward}: each layer is
 * reported to {@code policy.afterBackward} (dequantized views), then its
 * update is applied with the optimizer's learning rate (so schedules work; the Trainer's optimizer
 * updates only the float parameters that remain, such as batch-norm scales) and reported to
 * {@code policy.afterUpdate} as {@code -lr} times the fixed-point velocity (the gradient without
 * momentum): the update before its stochastic rounding, which is unbiased, so this is the applied
 * integer change in expectation, without its rounding noise or a copy of the old weights. {@code afterStep}:
 * {@code policy.afterStep}, then every weight is converted exactly to the format the policy now
 * wants. Momentum ({@link IntegerOptions#momentum()}) keeps its velocity in fixed point too
 * ({@link FixedMomentum}); the Trainer's own optimizer must not add momentum to integer weights (it
 * never sees them).
 *
 * <p><b>Checkpoints.</b> As a {@link StatefulListener} it saves, under {@code listener.integer.} of a
 * trainer checkpoint, every layer's integer weights, bias and velocity with their formats, the
 * policy's state and the options; added to a trainer before {@code restore}, it continues the run
 * bit-identically. {@link #loadWeights} loads only the weights, for evaluation.
 */
public final class IntegerTraining implements StatefulListener, PrecisionRun {
    private final PrecisionPolicy policy;
    private final IntegerContext ctx;
    private final Module model;
    private final List<IntegerLayer> layers = new ArrayList<>();
    private final Map<String, IntegerLayer> byName = new LinkedHashMap<>();
    /**
     * Per layer, allocated once: the gradient for {@code policy.afterBackward}, then the update's
     * direction, then the weights' values for {@code policy.afterStep}.
     */
    private final float[][] views;

    /**
     * @param floatModel the model to convert; its Linear and Conv2d weights are registered with
     *                   {@code policy} (in {@link Module#namedParameters()} order) and quantized to
     *                   the policy's formats. It is not modified and not kept: drop it.
     * @param policy     decides the weight formats; must not have these layers registered yet
     * @param options    activation, gradient and accumulator settings and the seed
     * @throws IllegalArgumentException naming the layer, for a layer with no integer implementation or
     *                                  a weight format the integer kernels cannot take
     */
    public IntegerTraining(Module floatModel, PrecisionPolicy policy, IntegerOptions options) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.ctx = new IntegerContext(Objects.requireNonNull(options, "options"));
        this.model = convert("", floatModel);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("integer mode: the model has no Linear or Conv2d layer");
        }
        views = new float[layers.size()][];
        for (int i = 0; i < views.length; i++) {
            views[i] = new float[layers.get(i).weight().size()];
        }
    }

    /** The integer model to train and evaluate. */
    public Module model() {
        return model;
    }

    public IntegerOptions options() {
        return ctx.options();
    }

    /** The integer layer of a weight name. */
    public IntegerLayer layer(String name) {
        IntegerLayer l = byName.get(name);
        if (l == null) {
            throw new IllegalArgumentException("integer mode: unknown layer '" + name + "' (layers: " + byName.keySet() + ")");
        }
        return l;
    }

    private Module convert(String path, Module m) {
        String prefix = path.isEmpty() ? "" : path + ".";
        return switch (m) {
            case Sequential s -> {
                Sequential out = new Sequential();
                for (int i = 0; i < s.size(); i++) {
                    out.add(convert(prefix + i, s.get(i)));
                }
                yield out;
            }
            case Linear l -> {
                String name = prefix + "weight";
                FixedPointFormat f = policy.register(name, l.weight().data());
                yield add(new IntegerLinear(name, layers.size(), ctx, l.weight().data(), l.outFeatures(), l.inFeatures(), f,
                        l.bias() == null ? null : l.bias().data()));
            }
            case Conv2d c -> {
                String name = prefix + "weight";
                FixedPointFormat f = policy.register(name, c.weight().data());
                yield add(new IntegerConv2d(name, layers.size(), ctx, c.weight().data(), c.outChannels(), c.inChannels(),
                        c.kernelSize(), c.stride(), c.padding(), f, c.bias() == null ? null : c.bias().data()));
            }
            case ResidualBlock r -> {
                Map<String, Module> ch = r.children();
                Module conv1 = convert(prefix + "conv1", ch.get("conv1"));
                Module bn1 = convert(prefix + "bn1", ch.get("bn1"));
                Module conv2 = convert(prefix + "conv2", ch.get("conv2"));
                Module bn2 = convert(prefix + "bn2", ch.get("bn2"));
                Module down = ch.containsKey("downsample") ? convert(prefix + "downsample", ch.get("downsample")) : null;
                yield new IntegerResidualBlock(conv1, bn1, conv2, bn2, down);
            }
            case ReLU r -> r;
            case MaxPool2d p -> p;
            case AvgPool2d p -> p;
            case Flatten f -> f;
            case Dropout d -> d;
            case BatchNorm2d b -> b;
            default -> throw new IllegalArgumentException("integer mode: layer '" + (path.isEmpty() ? "(root)" : path) + "' ("
                    + m.getClass().getSimpleName() + ") has no integer implementation");
        };
    }

    private IntegerLayer add(IntegerLayer l) {
        layers.add(l);
        byName.put(l.name(), l);
        return l;
    }

    @Override
    public TrainingMode mode() {
        return TrainingMode.INTEGER;
    }

    @Override
    public PrecisionPolicy policy() {
        return policy;
    }

    @Override
    public List<String> layers() {
        return Collections.unmodifiableList(new ArrayList<>(byName.keySet()));
    }

    @Override
    public FixedPointFormat weightFormat(String layer) {
        return layer(layer).weight().format();
    }

    /**
     * The format of the activations entering the layer's last forward GEMM; before the first forward
     * pass, the activation word length with the FL a range of 1 would get.
     */
    @Override
    public FixedPointFormat activationFormat(String layer) {
        FixedPointFormat f = layer(layer).activationFormat();
        return f != null ? f : RangeFormat.forMaxAbs(ctx.options().activationBits(), 1);
    }

    /** The format of the output gradient entering the layer's last backward GEMMs (before any, as above). */
    @Override
    public FixedPointFormat gradientFormat(String layer) {
        FixedPointFormat f = layer(layer).gradientFormat();
        return f != null ? f : RangeFormat.forMaxAbs(ctx.options().gradientBits(), 1);
    }

    /** Bytes of the integer weight storage (byte or short arrays). */
    @Override
    public long weightBytes(String layer) {
        return layer(layer).weightBytes();
    }

    /** Bytes of the layer's integer bias storage (not part of {@link #weightBytes}; 0 without a bias). */
    @Override
    public long biasBytes(String layer) {
        return layer(layer).biasBytes();
    }

    /** Bytes of the layer's fixed-point momentum state (0 without momentum or before the first step). */
    @Override
    public long optimizerStateBytes(String layer) {
        return layer(layer).optimizerStateBytes();
    }

    /** Bytes of the layer's integer weight and bias gradients in its last backward pass (0 before the first). */
    @Override
    public long gradientBytes(String layer) {
        return layer(layer).gradientBytes();
    }

    /** Exact zeros among the integer weight codes. */
    @Override
    public long weightZeros(String layer) {
        return layer(layer).weightZeros();
    }

    /** The integer layer that computes {@code layer} (the ledger hooks it for its input shapes). */
    @Override
    public Module layerModule(String layer) {
        return layer(layer);
    }

    @Override
    public GemmGeometry geometry(String layer) {
        return layer(layer).geometry();
    }

    /** Always 0: integer mode keeps no float copy of its weights. */
    @Override
    public long masterCopyBytes(String layer) {
        layer(layer);
        return 0;
    }

    /** Every decision of the policy so far. */
    public List<PrecisionDecision> decisions() {
        return policy.decisions();
    }

    @Override
    public void beforeForward(StepInfo step) {
        ctx.setStep(step.step());
    }

    @Override
    public void afterBackward(StepInfo step) {
        double lr = step.optimizer().lr();
        for (int i = 0; i < layers.size(); i++) {
            IntegerLayer l = layers.get(i);
            if (l.weightGradient() != null) {
                l.dequantizeGradient(views[i]);
                // dequantized for the call only if the policy reads it: a new array per layer and step
                float[] weights = policy.readsWeightsAfterBackward() ? l.weight().dequantize() : null;
                policy.afterBackward(step.step(), l.name(), weights, views[i], lr);
            }
        }
        for (int i = 0; i < layers.size(); i++) {
            IntegerLayer l = layers.get(i);
            if (l.update(lr, views[i])) {
                policy.afterUpdate(step.step(), l.name(), views[i], -lr);
            }
        }
    }

    @Override
    public void afterStep(StepInfo step) {
        // The update has been reported, so each layer's buffer is free to carry its weights' values.
        policy.afterStep(step.step(), step.loss(), name -> {
            IntegerLayer l = layer(name);
            return l.dequantizeWeight(views[l.index()]);
        });
        for (IntegerLayer l : layers) {
            l.convertWeights(policy.format(l.name()));
        }
    }

    /** How many weight and bias values live as integers (the float model's parameter count minus what stays float). */
    public long integerParameterCount() {
        long n = 0;
        for (IntegerLayer l : layers) {
            n += l.weight().size() + (l.bias() == null ? 0 : l.bias().size());
        }
        return n;
    }

    @Override
    public String stateName() {
        return "integer";
    }

    /**
     * The integer weights, biases and momentum velocities with their formats, the policy's name and
     * state, and the options (checked on {@link #loadState}). The step number comes from the trainer.
     */
    @Override
    public Checkpoint saveState() {
        Checkpoint c = new Checkpoint();
        c.putString("policy_name", policy.name());
        c.putString("options", ctx.options().toString());
        for (IntegerLayer l : layers) {
            l.save("layer." + l.name() + ".", c);
        }
        c.putAll("policy.", policy.saveState());
        return c;
    }

    @Override
    public void loadState(Checkpoint c) {
        if (!policy.name().equals(c.string("policy_name"))) {
            throw new IllegalArgumentException("integer mode: the checkpoint was trained with the " + c.string("policy_name")
                    + " policy, this run uses " + policy.name());
        }
        if (!ctx.options().toString().equals(c.string("options"))) {
            throw new IllegalArgumentException("integer mode: the checkpoint was trained with " + c.string("options")
                    + ", this run has " + ctx.options());
        }
        for (IntegerLayer l : layers) {
            l.load("layer." + l.name() + ".", c);
        }
        policy.loadState(c.withPrefix("policy."));
        for (IntegerLayer l : layers) {
            if (!policy.format(l.name()).equals(l.weight().format())) {
                throw new IllegalArgumentException("integer mode: the checkpoint's weights of " + l.name() + " are in "
                        + l.weight().format() + " but its policy state says " + policy.format(l.name()));
            }
        }
    }

    /**
     * Loads only the integer weights, biases and velocities of a {@link #saveState} checkpoint (not
     * the policy's state), for evaluating a saved integer model: the formats are the saved ones.
     */
    public void loadWeights(Checkpoint c) {
        for (IntegerLayer l : layers) {
            l.load("layer." + l.name() + ".", c);
        }
    }

    /** Dequantized copies of the current integer weights (for inspection and tests). */
    public float[] weights(String layer) {
        return layer(layer).weight().dequantize();
    }

    /** Dequantized copy of a layer's integer bias, or null. */
    public float[] biasValues(String layer) {
        IntegerLayer l = layer(layer);
        return l.bias() == null ? null : l.bias().dequantize();
    }

    /** Float parameters that remain in the integer model (batch-norm scales and shifts), by name. */
    public Map<String, Tensor> floatParameters() {
        return model.namedParameters();
    }
}

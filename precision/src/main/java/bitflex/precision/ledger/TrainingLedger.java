package bitflex.precision.ledger;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.tensor.Tensor;
import bitflex.engine.memory.ScratchMemory;
import bitflex.engine.tensor.Workspace;
import bitflex.nn.ForwardHook;
import bitflex.nn.Module;
import bitflex.nn.layers.Conv2d;
import bitflex.nn.layers.Linear;
import bitflex.nn.optim.Optimizer;
import bitflex.nn.train.EpochResult;
import bitflex.nn.train.StepInfo;
import bitflex.nn.train.TrainingListener;
import bitflex.precision.sparsity.Density;
import bitflex.precision.sparsity.DensityTracker;
import bitflex.precision.training.PrecisionRun;
import bitflex.precision.training.TrainingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Connects the ledger to a training run: a {@link TrainingListener} that, every step, counts
 * each Linear and Conv2d layer's three GEMM passes from the input shape its forward hook saw, prices
 * them at the operand formats the {@link PrecisionRun} reports (float32 where it reports none, or
 * for a float32 run without one), and counts each layer's memory from the buffers that exist.
 *
 * <p>Where each figure comes from:
 * <ul>
 *   <li>MACs: {@link MacCounter} on the shape of the layer's input in this step (measured).</li>
 *   <li>Operand widths: weight, activation and gradient formats from the {@code PrecisionRun}; a
 *       null format is float32. In fake-quant mode the GEMMs actually run on float32 kernels over
 *       quantized values, so their energy is what fixed-point hardware at those formats would spend
 *       (modelled, as AdaPT models it); in integer mode it is what the integer kernels did.</li>
 *   <li>Density: exact zeros of the weights the forward pass reads, counted before each step
 *       ({@link PrecisionRun#weightZeros} where the mode keeps them outside the weight tensor).</li>
 *   <li>Parameters and master copy: {@link PrecisionRun#weightBytes} and {@link PrecisionRun#masterCopyBytes}
 *       for quantized weights, the float tensors' sizes otherwise (biases stay float32).</li>
 *   <li>Gradients: the sizes of the gradient tensors that exist after backward.</li>
 *   <li>Optimizer state: {@link Optimizer#stateBytes} of the layer's parameters.</li>
 *   <li>Saved activations: the layer's input, which backward keeps for the weight gradient; its
 *       element count is measured, its bytes are that count at the storage width of the activation
 *       format (4 bytes for float32; 1, 2 or 4 bytes for integer formats of up to 8, 16, 32 bits).</li>
 *   <li>Step peak: persistent buffers (parameters, masters, gradients, optimizer state of the whole
 *       model) plus every buffer the step's {@link Workspace} leased (activations, their gradients
 *       and scratch), read just before the workspace closes, plus the kernels' per-thread scratch
 *       ({@link ScratchMemory}: GEMM packing panels, convolution padding and column buffers, kept
 *       between steps) of all live threads (measured).</li>
 * </ul>
 *
 * <p>Per step the listener keeps no history and, once warm, allocates next to nothing: each layer's
 * passes are priced with the {@link CostModel} only when its shape, formats or density change, and
 * the priced figures are added into primitive run sums (the same {@link RunLedger} a {@link Ledger}
 * fed step by step would give); a layer's {@link LayerMemory} is rebuilt only when a buffer size
 * changes. A bounded series is kept for charts (one point per epoch, word lengths when they change
 * or every {@code sampleEvery} steps, a windowed mean loss every {@code sampleEvery} steps).
 */
public final class TrainingLedger implements TrainingListener, AutoCloseable {
    /** One point per completed epoch: the run's cost and memory so far. */
    public record EpochPoint(int epoch, long step, RunLedger run, Map<String, Double> density) {}

    /** Mean training loss over the {@code steps} steps ending before step {@code step}. */
    public record LossPoint(long step, double meanLoss, int steps) {}

    /** Word lengths of the weight layers at a step (32 for float32 layers), in {@link #layers()} order. */
    public record WordLengths(long step, int[] wordLengths) {}

    private final Optimizer optimizer;
    private final PrecisionRun run;
    private final CostModel cost;
    private final RunAccumulator totals = new RunAccumulator();
    private final DensityTracker density = new DensityTracker();
    private final int sampleEvery;
    private final List<WeightLayer> layers = new ArrayList<>();
    private final List<OtherParams> others = new ArrayList<>();
    private final List<Runnable> unhook = new ArrayList<>();
    private final List<EpochPoint> epochs = new ArrayList<>();
    private final List<WordLengths> wordLengths = new ArrayList<>();
    private int[] lastWordLengths;
    private int[] scratchWordLengths;
    private final List<LossPoint> losses = new ArrayList<>();
    private double lossSum;
    private int lossSteps;

    private boolean capturing;
    private long stepStart;
    private long nextStep;
    private long firstStep = -1;
    private long peakStepBytes;
    private long peakWorkspaceBytes;
    private long peakKernelScratchBytes;
    private long persistentBytes;

    /**
     * @param model       the model being trained (its Linear and Conv2d layers get forward hooks)
     * @param optimizer   its optimizer (for the state buffers' sizes)
     * @param run         the quantized mode, or null for a float32 run
     * @param cost        prices the passes
     * @param sampleEvery steps between word-length samples (besides every change); at least 1
     */
    public TrainingLedger(Module model, Optimizer optimizer, PrecisionRun run, CostModel cost, int sampleEvery) {
        if (model == null || optimizer == null || cost == null) {
            throw new IllegalArgumentException("TrainingLedger: model, optimizer and cost model are required");
        }
        if (sampleEvery < 1) {
            throw new IllegalArgumentException("TrainingLedger: sampleEvery must be >= 1, got " + sampleEvery);
        }
        this.optimizer = optimizer;
        this.run = run;
        this.cost = cost;
        this.sampleEvery = sampleEvery;
        Map<Tensor, Integer> optIndex = new IdentityHashMap<>();
        List<Tensor> optParams = optimizer.parameters();
        for (int i = 0; i < optParams.size(); i++) {
            optIndex.put(optParams.get(i), i);
        }
        List<String> quantized = run == null ? List.of() : run.layers();
        Map<Module, String> provided = new IdentityHashMap<>();
        for (String q : quantized) {
            Module lm = run.layerModule(q);
            if (lm != null) {
                provided.put(lm, q);
            }
        }
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            Module m = e.getValue();
            List<Tensor> own = new ArrayList<>();
            for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
                if (!p.getKey().contains(".")) {
                    own.add(p.getValue());
                }
            }
            WeightLayer wl = null;
            if (provided.containsKey(m)) {
                String name = provided.get(m);
                GemmGeometry g = run.geometry(name);
                if (g == null) {
                    throw new IllegalArgumentException("TrainingLedger: the " + run.mode().cliName() + " mode gives a module for layer '"
                            + name + "' but no geometry (PrecisionRun.geometry); the ledger cannot count its MACs");
                }
                Tensor w = null;
                for (Tensor p : own) {
                    if (p.numel() == g.weightCount() && p.dim() >= 2) {
                        w = p;
                    }
                }
                wl = new WeightLayer(name, g, w, own, indices(own, optIndex), true);
            } else if (m instanceof Linear l) {
                String name = prefix + "weight";
                wl = new WeightLayer(name, GemmGeometry.linear(l.inFeatures(), l.outFeatures(), l.bias() != null), l.weight(), own,
                        indices(own, optIndex), quantized.contains(name));
            } else if (m instanceof Conv2d c) {
                String name = prefix + "weight";
                wl = new WeightLayer(name, GemmGeometry.conv2d(c.inChannels(), c.outChannels(), c.kernelSize(), c.stride(),
                        c.padding(), c.bias() != null), c.weight(), own, indices(own, optIndex), quantized.contains(name));
            } else if (!own.isEmpty()) {
                String name = e.getKey().isEmpty() ? m.getClass().getSimpleName() : e.getKey();
                others.add(new OtherParams(name, own, indices(own, optIndex)));
            }
            if (wl != null) {
                layers.add(wl);
                unhook.add(m.addForwardHook(wl));
            }
        }
        scratchWordLengths = new int[layers.size()];
        if (run != null) {
            for (String q : quantized) {
                if (layers.stream().noneMatch(l -> l.name.equals(q))) {
                    throw new IllegalArgumentException("TrainingLedger: quantized layer '" + q
                            + "' is neither the weight of a Linear or Conv2d layer of the model nor a module the mode names"
                            + " (PrecisionRun.layerModule); the ledger cannot count its MACs");
                }
            }
        }
    }

    /** With the DESIGN.md 45 nm table and a word-length sample every 50 steps. */
    public TrainingLedger(Module model, Optimizer optimizer, PrecisionRun run) {
        this(model, optimizer, run, new CostModel(EnergyModel.horowitz45nm()), 50);
    }

    private static int[] indices(List<Tensor> params, Map<Tensor, Integer> optIndex) {
        int[] idx = new int[params.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = optIndex.getOrDefault(params.get(i), -1);
        }
        return idx;
    }

    /** The run's mode: the PrecisionRun's, or FLOAT32 without one. */
    public TrainingMode mode() {
        return run == null ? TrainingMode.FLOAT32 : run.mode();
    }

    /** Names of the weight layers (the weights' parameter keys), in model order. */
    public List<String> layers() {
        return layers.stream().map(l -> l.name).toList();
    }

    /** Number of weights of a weight layer (bias excluded). */
    public long weightCount(String layer) {
        return find(layer).weightCount;
    }

    /** Forward MACs of one sample through the layer, from the last step's shapes (0 before any step). */
    public long forwardMacsPerSample(String layer) {
        WeightLayer l = find(layer);
        return l.lastBatch == 0 ? 0 : l.lastForwardMacs / l.lastBatch;
    }

    /** The weight word length the layer uses now (32 if float32). */
    public int weightBits(String layer) {
        return find(layer).weightBits();
    }

    /** The ledger (run totals, per layer, peak memory). */
    public RunLedger run() {
        return totals.run();
    }

    public CostModel costModel() {
        return cost;
    }

    /** Density observations (sampled every {@code sampleEvery} steps and at each epoch's end). */
    public DensityTracker density() {
        return density;
    }

    /** One point per completed epoch. */
    public List<EpochPoint> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** Word-length samples: the first step, every change, and every {@code sampleEvery} steps. */
    public List<WordLengths> wordLengths() {
        return Collections.unmodifiableList(wordLengths);
    }

    /** Training loss averaged over windows of {@code sampleEvery} steps (and the last, partial window of each epoch). */
    public List<LossPoint> losses() {
        return Collections.unmodifiableList(losses);
    }

    /** Largest persistent-plus-workspace-plus-kernel-scratch bytes of any step (measured). */
    public long peakStepBytes() {
        return peakStepBytes;
    }

    /** Largest bytes one step's workspace leased (activations, their gradients, scratch; measured). */
    public long peakWorkspaceBytes() {
        return peakWorkspaceBytes;
    }

    /** Largest bytes the kernels' per-thread scratch buffers held at the end of a step (all live threads; measured). */
    public long peakKernelScratchBytes() {
        return peakKernelScratchBytes;
    }

    /** Persistent bytes of the last step: every parameter, master copy, gradient and optimizer buffer. */
    public long persistentBytes() {
        return persistentBytes;
    }

    /** The trainer's step counter at the first step this ledger saw (above 0 for a resumed run); -1 before any. */
    public long firstStep() {
        return firstStep;
    }

    /** Removes the forward hooks. */
    @Override
    public void close() {
        unhook.forEach(Runnable::run);
        unhook.clear();
    }

    @Override
    public void beforeForward(StepInfo step) {
        capturing = true;
        for (WeightLayer l : layers) {
            l.seen = false;
            l.beforeStep();
        }
        stepStart = System.nanoTime();
    }

    @Override
    public void afterForward(StepInfo step) {
        capturing = false;
    }

    @Override
    public void afterBackward(StepInfo step) {
        if (run != null) {
            for (WeightLayer l : layers) {
                if (l.quantized) {
                    FixedPointFormat g = run.gradientFormat(l.name);
                    l.gradientBits = g == null ? 32 : g.wordLength();
                }
            }
        }
    }

    @Override
    public void afterStep(StepInfo step) {
        long wall = System.nanoTime() - stepStart;
        long persistent = 0;
        for (WeightLayer l : layers) {
            if (l.seen) {
                l.ops();
                l.slot.add(l.priced, Density.of(l.zeros, l.weightCount));
            }
            LayerMemory m = l.memory();
            persistent += m.parameterBytes() + m.masterCopyBytes() + m.gradientBytes() + m.optimizerStateBytes();
            l.slot.memory(m);
        }
        for (OtherParams o : others) {
            LayerMemory m = o.memory();
            persistent += m.parameterBytes() + m.gradientBytes() + m.optimizerStateBytes();
            o.slot.memory(m);
        }
        long ws = Workspace.openLeasedBytes();
        long scratch = ScratchMemory.bytes();
        persistentBytes = persistent;
        peakWorkspaceBytes = Math.max(peakWorkspaceBytes, ws);
        peakKernelScratchBytes = Math.max(peakKernelScratchBytes, scratch);
        peakStepBytes = Math.max(peakStepBytes, persistent + ws + scratch);
        totals.endStep(step.batchSize(), wall);
        long s = step.step();
        nextStep = s + 1;
        if (firstStep < 0) {
            firstStep = s;
        }
        lossSum += step.loss();
        lossSteps++;
        if ((s + 1) % sampleEvery == 0) {
            flushLoss(s + 1);
        }
        if (s % sampleEvery == 0) {
            recordDensity(s);
        }
        sampleWordLengths(s + 1, s % sampleEvery == 0);
    }

    private void flushLoss(long step) {
        if (lossSteps > 0) {
            losses.add(new LossPoint(step, lossSum / lossSteps, lossSteps));
            lossSum = 0;
            lossSteps = 0;
        }
    }

    @Override
    public void afterEpoch(EpochResult result) {
        long s = nextStep;
        flushLoss(s);
        recordDensity(s);
        Map<String, Double> d = new LinkedHashMap<>();
        for (WeightLayer l : layers) {
            d.put(l.name, density.density(l.name));
        }
        epochs.add(new EpochPoint(result.epoch(), s, totals.run(), d));
    }

    private void recordDensity(long step) {
        for (WeightLayer l : layers) {
            density.record(step, l.name, l.zeros, l.weightCount);
        }
    }

    /** Word lengths that apply from step {@code next} on; kept when changed, forced, or the first. */
    private void sampleWordLengths(long next, boolean force) {
        int[] now = scratchWordLengths;
        for (int i = 0; i < now.length; i++) {
            now[i] = layers.get(i).currentWeightBits();
        }
        if (lastWordLengths == null) {
            int[] first = new int[now.length];
            for (int i = 0; i < first.length; i++) {
                first[i] = layers.get(i).weightBits;
            }
            wordLengths.add(new WordLengths(0, first));
            lastWordLengths = first;
        }
        if (force || !java.util.Arrays.equals(now, lastWordLengths)) {
            int[] kept = now.clone();
            wordLengths.add(new WordLengths(next, kept));
            lastWordLengths = kept;
        }
    }

    private WeightLayer find(String layer) {
        for (WeightLayer l : layers) {
            if (l.name.equals(layer)) {
                return l;
            }
        }
        throw new IllegalArgumentException("TrainingLedger: unknown layer '" + layer + "'; layers are " + layers());
    }

    /** Bytes of one element stored at {@code bits} (the integer arrays the engine allocates). */
    static int storageBytes(int bits) {
        return bits <= 8 ? 1 : bits <= 16 ? 2 : 4;
    }

    private long optimizerBytes(int[] idx) {
        long b = 0;
        for (int i : idx) {
            if (i >= 0) {
                b += optimizer.stateBytes(i);
            }
        }
        return b;
    }

    private static long gradientBytes(List<Tensor> params) {
        long b = 0;
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g != null) {
                b += (long) Float.BYTES * g.numel();
            }
        }
        return b;
    }

    private static int slots(long stateBytes, long count) {
        return count == 0 ? 0 : (int) Math.round((double) stateBytes / (Float.BYTES * (double) count));
    }

    /**
     * A weight layer: an nn Linear or Conv2d, or a module the {@link PrecisionRun} names for the layer
     * (with its geometry); its float tensors, the shape its hook saw, and its formats this step.
     */
    private final class WeightLayer implements ForwardHook {
        final String name;
        final GemmGeometry geometry;
        /** The float weight tensor, or null when the mode keeps the weights itself. */
        final Tensor weight;
        /** Float nn parameters of the module (weight and bias, or none for an integer layer). */
        final List<Tensor> params;
        final int[] optIdx;
        final boolean quantized;
        final long weightCount;
        final long paramCount;
        final int[] inputShape = new int[8];
        int inputRank;
        boolean seen;
        int weightBits = 32;
        int activationBits = 32;
        int gradientBits = 32;
        long zeros;
        long lastForwardMacs;
        long lastBatch;
        // the cached description of the last step, reused while nothing it depends on changed
        GemmOp[] ops;
        LayerCost priced;
        long opsKey = Long.MIN_VALUE;
        final RunAccumulator.Slot slot;
        LayerMemory lastMemory;

        WeightLayer(String name, GemmGeometry geometry, Tensor weight, List<Tensor> params, int[] optIdx, boolean quantized) {
            this.name = name;
            this.geometry = geometry;
            this.weight = weight;
            this.params = params;
            this.optIdx = optIdx;
            this.quantized = quantized;
            this.slot = totals.slot(name);
            this.weightCount = geometry.weightCount();
            this.paramCount = geometry.parameterCount();
        }

        void beforeStep() {
            if (quantized) {
                weightBits = currentWeightBits();
                FixedPointFormat a = run.activationFormat(name);
                activationBits = a == null ? 32 : a.wordLength();
                gradientBits = 32;
            }
            long z = quantized ? run.weightZeros(name) : -1;
            if (z < 0 && weight != null) {
                z = weight.isContiguous() ? Density.zeros(weight.data()) : Density.zeros(weight.toArray());
            }
            zeros = Math.max(z, 0); // a mode that keeps its weights and cannot count zeros is taken as dense
        }

        int weightBits() {
            return quantized ? currentWeightBits() : 32;
        }

        int currentWeightBits() {
            return quantized ? run.weightFormat(name).wordLength() : 32;
        }

        @Override
        public Tensor afterForward(Module m, Tensor input, Tensor output) {
            if (capturing) {
                int[] s = input.shape();
                if (s.length > inputShape.length) {
                    throw new IllegalArgumentException("TrainingLedger: layer " + name + " input has rank " + s.length);
                }
                System.arraycopy(s, 0, inputShape, 0, s.length);
                inputRank = s.length;
                seen = true;
            }
            return output;
        }

        GemmOp[] ops() {
            long key = inputRank;
            for (int i = 0; i < inputRank; i++) {
                key = key * 31 + inputShape[i];
            }
            key = ((key * 64 + weightBits) * 64 + activationBits) * 64 + gradientBits;
            if (ops != null && key == opsKey) {
                return ops;
            }
            LayerGemms g = geometry.gemms(inputShape, inputRank);
            // priced dense: density scales only bitflex's bit-MACs, applied per step by the accumulator
            double d = 1.0;
            // Fake-quant quantizes the weight gradient (the backward-weight output); its dy and x stay float32.
            // In integer mode the gradient format is that of dy, which enters both backward GEMMs.
            boolean fakeQuant = run != null && run.mode() == TrainingMode.FAKE_QUANT;
            int dy = fakeQuant ? 32 : gradientBits;
            ops = new GemmOp[] {
                op(Pass.FORWARD, g.forward(), weightBits, activationBits, activationBits, d),
                op(Pass.BACKWARD_INPUT, g.backwardInput(), weightBits, dy, dy, d),
                op(Pass.BACKWARD_WEIGHT, g.backwardWeight(), dy, activationBits, fakeQuant ? gradientBits : dy, d),
            };
            LayerCost c = LayerCost.zero(name);
            for (GemmOp op : ops) {
                c = c.plus(cost.price(op));
            }
            priced = c;
            opsKey = key;
            lastForwardMacs = g.forward().macs();
            long batch = geometry.kind() == GemmGeometry.Kind.CONV2D ? inputShape[0] : 1;
            if (geometry.kind() == GemmGeometry.Kind.LINEAR) {
                for (int i = 0; i < inputRank - 1; i++) {
                    batch *= inputShape[i];
                }
            }
            lastBatch = batch;
            return ops;
        }

        /**
         * A pass with integer arithmetic when both operands are fixed point; a float32 operand makes
         * it a float32 GEMM (there is no mixed integer-by-float multiplier to price), whatever the
         * other operand's format. Bit-weighted MACs use the weight word length either way (AdaPT).
         */
        private GemmOp op(Pass pass, GemmShape shape, int left, int right, int out, double d) {
            if (left == 32 || right == 32) {
                return new GemmOp(name, pass, shape, GemmOp.Arithmetic.FLOAT32, 32, 32, out, weightBits, d);
            }
            return new GemmOp(name, pass, shape, GemmOp.Arithmetic.INTEGER, left, right, out, weightBits, d);
        }

        LayerMemory memory() {
            long paramBytes;
            long master = 0;
            long grads;
            long state;
            if (quantized) {
                paramBytes = run.weightBytes(name);
                master = run.masterCopyBytes(name);
                long bias = run.biasBytes(name);
                for (Tensor p : params) {
                    if (p != weight && bias < 0) {
                        paramBytes += (long) Float.BYTES * p.numel();
                    }
                }
                paramBytes += Math.max(bias, 0);
                long g = run.gradientBytes(name);
                grads = g >= 0 ? g : gradientBytes(params);
                long st = run.optimizerStateBytes(name);
                state = optimizerBytes(optIdx) + Math.max(st, 0);
            } else {
                paramBytes = (long) Float.BYTES * paramCount;
                grads = gradientBytes(params);
                state = optimizerBytes(optIdx);
            }
            long saved = 0;
            if (seen) {
                saved = 1;
                for (int i = 0; i < inputRank; i++) {
                    saved *= inputShape[i];
                }
            }
            long savedBytes = saved * storageBytes(activationBits);
            LayerMemory last = lastMemory;
            if (last == null || last.parameterBytes() != paramBytes || last.masterCopyBytes() != master
                    || last.gradientBytes() != grads || last.optimizerStateBytes() != state
                    || last.savedActivationElements() != saved || last.savedActivationBytes() != savedBytes) {
                lastMemory = new LayerMemory(name, paramCount, paramBytes, master, grads, state, slots(state, paramCount),
                        saved, savedBytes);
            }
            return lastMemory;
        }
    }


    /** Parameters outside Linear and Conv2d layers (batch-norm scales and shifts): memory only. */
    private final class OtherParams {
        final String name;
        final List<Tensor> params;
        final int[] optIdx;
        final long count;
        final RunAccumulator.Slot slot;
        LayerMemory lastMemory;

        OtherParams(String name, List<Tensor> params, int[] optIdx) {
            this.name = name;
            this.slot = totals.slot(name);
            this.params = params;
            this.optIdx = optIdx;
            long n = 0;
            for (Tensor p : params) {
                n += p.numel();
            }
            this.count = n;
        }

        LayerMemory memory() {
            long state = optimizerBytes(optIdx);
            long grads = gradientBytes(params);
            if (lastMemory == null || lastMemory.gradientBytes() != grads || lastMemory.optimizerStateBytes() != state) {
                lastMemory = new LayerMemory(name, count, (long) Float.BYTES * count, 0, grads, state, slots(state, count), 0, 0);
            }
            return lastMemory;
        }
    }
}

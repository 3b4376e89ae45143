package bitflex.nn.train;

import bitflex.engine.tensor.Tensor;
import bitflex.engine.tensor.Workspace;
import bitflex.nn.Module;
import bitflex.nn.checkpoint.Checkpoint;
import bitflex.nn.checkpoint.CheckpointIO;
import bitflex.nn.data.Batch;
import bitflex.nn.data.DataLoader;
import bitflex.nn.data.Dataset;
import bitflex.nn.optim.LrSchedule;
import bitflex.nn.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a classifier: epochs of seeded, shuffled mini-batches, an evaluation after each epoch,
 * metrics, progress, listener hooks, and checkpoints from which a run resumes bit-identically.
 *
 * <pre>{@code
 * Module model = Models.create("lenet5", 42);
 * Trainer t = new Trainer(model, new SGD(model.parameters(), 0.05, 0.9), new CrossEntropyLoss(),
 *         new Trainer.Config(1, 64, 42));
 * TrainResult r = t.fit(train, test);
 * }</pre>
 *
 * <p>Every step runs inside a {@link Workspace}, so activations and their gradients reuse pooled
 * buffers and a step does not churn the heap. Results depend only on the seed and the data: the
 * batch order is a function of (seed, epoch) and the engine's kernels are thread-count independent.
 */
public final class Trainer {
    /**
     * What to run.
     *
     * @param epochs    total epochs (a resumed run continues up to this count)
     * @param batchSize mini-batch size
     * @param seed      shuffle seed
     * @param dropLast  skip a final short batch each epoch
     * @param evalBatch batch size for evaluation
     */
    public record Config(int epochs, int batchSize, long seed, boolean dropLast, int evalBatch) {
        public Config {
            if (epochs < 0 || batchSize < 1 || evalBatch < 1) {
                throw new IllegalArgumentException("Trainer: epochs must be >= 0 and batch sizes >= 1, got epochs=" + epochs
                        + " batch=" + batchSize + " evalBatch=" + evalBatch);
            }
        }

        public Config(int epochs, int batchSize, long seed) {
            this(epochs, batchSize, seed, false, 1000);
        }
    }

    private final Module model;
    private final Optimizer optimizer;
    private final Loss loss;
    private final Config config;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final StepInfo info = new StepInfo(this);
    private LrSchedule schedule;
    private double baseLr;
    private Progress progress = Progress.none();
    private Path checkpointPath;
    private volatile boolean stopRequested;

    // Position and partial-epoch accumulators: all of it goes into checkpoints.
    private int epoch;
    private int batchInEpoch;
    private long step;
    private double epochLossSum;
    private long epochCorrect;
    private long epochSamples;
    private double epochSeconds;
    private final List<EpochResult> history = new ArrayList<>();

    public Trainer(Module model, Optimizer optimizer, Loss loss, Config config) {
        this.model = model;
        this.optimizer = optimizer;
        this.loss = loss;
        this.config = config;
        this.baseLr = optimizer.lr();
    }

    public Module model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Config config() {
        return config;
    }

    /** Adds a listener; listeners run in the order they were added. */
    public Trainer addListener(TrainingListener l) {
        listeners.add(l);
        return this;
    }

    /** Sets a learning-rate schedule over global steps, applied to the optimizer's rate at construction. */
    public Trainer setSchedule(LrSchedule s) {
        this.schedule = s;
        return this;
    }

    public Trainer setProgress(Progress p) {
        this.progress = p;
        return this;
    }

    /** Writes a checkpoint to {@code path} after every epoch and when a stop is requested (null: never). */
    public Trainer setCheckpointPath(Path path) {
        this.checkpointPath = path;
        return this;
    }

    /** A string stored in checkpoints (e.g. the model name, so {@code eval} can rebuild it). */
    public Trainer putMetadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Stops after the step in progress (callable from a listener or another thread). */
    public void requestStop() {
        stopRequested = true;
    }

    /** 0-based epoch the next step belongs to. */
    public int epoch() {
        return epoch;
    }

    /** Optimizer steps taken. */
    public long step() {
        return step;
    }

    /** Results of the completed epochs. */
    public List<EpochResult> history() {
        return Collections.unmodifiableList(history);
    }

    /**
     * Trains from the current position up to {@link Config#epochs()}, evaluating on {@code test}
     * (may be null) after each epoch. Returns early, after a checkpoint, if a stop was requested.
     */
    public TrainResult fit(Dataset train, Dataset test) throws IOException {
        stopRequested = false;
        DataLoader loader = new DataLoader(train, config.batchSize(), true, config.seed(), config.dropLast());
        int[] shape = {config.batchSize(), train.channels(), train.height(), train.width()};
        while (epoch < config.epochs()) {
            loader.startEpoch(epoch, batchInEpoch);
            int steps = loader.batchesPerEpoch();
            progress.startEpoch(epoch, config.epochs(), steps);
            model.train();
            GcStats gc0 = GcStats.now();
            long t0 = System.nanoTime();
            while (!stopRequested && loader.next()) {
                trainStep(loader.batch(), shape);
                batchInEpoch++;
                progress.step(batchInEpoch, epochSamples == 0 ? 0 : epochLossSum / epochSamples);
            }
            epochSeconds += (System.nanoTime() - t0) / 1e9;
            GcStats gc = GcStats.now().since(gc0);
            progress.endEpoch();
            if (stopRequested && batchInEpoch < steps) {
                saveIfConfigured();
                return result(true);
            }
            EvalResult ev = test == null ? new EvalResult(Double.NaN, Double.NaN, 0, 0)
                    : evaluate(model, loss, test, config.evalBatch());
            EpochResult r = new EpochResult(epoch, epochLossSum / epochSamples, (double) epochCorrect / epochSamples,
                    ev.loss(), ev.accuracy(), epochSamples, epochSeconds, ev.seconds(), gc.count(), gc.timeMs());
            history.add(r);
            epoch++;
            batchInEpoch = 0;
            epochLossSum = 0;
            epochCorrect = 0;
            epochSamples = 0;
            epochSeconds = 0;
            for (TrainingListener l : listeners) {
                l.afterEpoch(r);
            }
            saveIfConfigured();
            if (stopRequested) {
                return result(epoch < config.epochs());
            }
        }
        return result(false);
    }

    private TrainResult result(boolean stopped) {
        return new TrainResult(List.copyOf(history), stopped);
    }

    private void saveIfConfigured() throws IOException {
        if (checkpointPath != null) {
            save(checkpointPath);
        }
    }

    @SuppressWarnings("try") // the workspace and no-grad scopes are used for their extent, not referenced
    private void trainStep(Batch batch, int[] shape) {
        int n = batch.size();
        shape[0] = n;
        if (schedule != null) {
            optimizer.setLr(schedule.lr(baseLr, step));
        }
        try (Workspace ws = Workspace.open()) {
            Tensor x = input(batch, shape);
            info.epoch = epoch;
            info.batchIndex = batchInEpoch;
            info.step = step;
            info.batchSize = n;
            info.loss = Float.NaN;
            info.output = null;
            info.lossTensor = null;
            info.labels = batch.labels();
            for (TrainingListener li : listeners) {
                li.beforeForward(info);
            }
            Tensor out = model.apply(x);
            Tensor l = loss.compute(out, batch.labels(), n);
            float lv = l.item();
            epochLossSum += (double) lv * n;
            epochCorrect += correct(out, batch.labels(), n);
            epochSamples += n;
            info.loss = lv;
            info.output = out;
            info.lossTensor = l;
            for (TrainingListener li : listeners) {
                li.afterForward(info);
            }
            optimizer.zeroGrad();
            l.backward();
            for (TrainingListener li : listeners) {
                li.afterBackward(info);
            }
            optimizer.step();
            step++;
            for (TrainingListener li : listeners) {
                li.afterStep(info);
            }
            info.output = null;
            info.lossTensor = null;
        }
    }

    /** The batch as an NCHW tensor: a view of the batch buffer when full, else a workspace copy. */
    private static Tensor input(Batch b, int[] shape) {
        if (b.size() == b.capacity()) {
            return Tensor.of(b.inputs(), shape);
        }
        Tensor t = Tensor.empty(shape);
        System.arraycopy(b.inputs(), 0, t.data(), 0, t.numel());
        return t;
    }

    /** Number of rows of {@code out} ([n, classes]) whose first maximum is at the label. */
    static int correct(Tensor out, int[] labels, int n) {
        float[] o = out.isContiguous() ? out.data() : out.toArray();
        int off = 0;
        int c = out.shape()[1];
        int right = 0;
        for (int i = 0; i < n; i++) {
            int base = off + i * c;
            int best = 0;
            for (int j = 1; j < c; j++) {
                if (o[base + j] > o[base + best]) {
                    best = j;
                }
            }
            if (best == labels[i]) {
                right++;
            }
        }
        return right;
    }

    /** Loss and accuracy of {@code model} (put in eval mode, restored after) on {@code data}. */
    @SuppressWarnings("try")
    public static EvalResult evaluate(Module model, Loss loss, Dataset data, int batchSize) {
        boolean wasTraining = model.isTraining();
        model.eval();
        long t0 = System.nanoTime();
        DataLoader loader = new DataLoader(data, batchSize, false, 0, false);
        loader.startEpoch(0);
        int[] shape = {batchSize, data.channels(), data.height(), data.width()};
        double lossSum = 0;
        long right = 0;
        try (var ng = Tensor.noGrad()) {
            while (loader.next()) {
                Batch b = loader.batch();
                shape[0] = b.size();
                try (Workspace ws = Workspace.open()) {
                    Tensor out = model.apply(input(b, shape));
                    lossSum += (double) loss.compute(out, b.labels(), b.size()).item() * b.size();
                    right += correct(out, b.labels(), b.size());
                }
            }
        } finally {
            model.train(wasTraining);
        }
        int n = data.size();
        return new EvalResult(n == 0 ? Double.NaN : lossSum / n, n == 0 ? Double.NaN : (double) right / n, n,
                (System.nanoTime() - t0) / 1e9);
    }

    // ---- checkpoints ----

    /** Everything a bit-identical resume needs: model, optimizer, position, partial metrics. */
    public Checkpoint checkpoint() {
        Checkpoint c = new Checkpoint().putString("meta.format", "bitflex-trainer");
        metadata.forEach((k, v) -> c.putString("meta." + k, v));
        c.putAll("model.", model.stateDict());
        c.putAll("extra.", model.extraState());
        c.putAll("optim.", optimizer.state());
        c.putLong("trainer.epoch", epoch);
        c.putLong("trainer.batch", batchInEpoch);
        c.putLong("trainer.step", step);
        c.putLong("trainer.seed", config.seed());
        c.putLong("trainer.batch_size", config.batchSize());
        c.putLong("trainer.epochs", config.epochs());
        c.putLong("trainer.loss_sum_bits", Double.doubleToRawLongBits(epochLossSum));
        c.putLong("trainer.correct", epochCorrect);
        c.putLong("trainer.samples", epochSamples);
        c.putLong("trainer.seconds_bits", Double.doubleToRawLongBits(epochSeconds));
        c.putLong("trainer.base_lr_bits", Double.doubleToRawLongBits(baseLr));
        c.putLong("trainer.lr_bits", Double.doubleToRawLongBits(optimizer.lr()));
        // One row per completed epoch: the doubles as raw bits (exact), then the counters.
        int h = history.size();
        long[] rows = new long[h * HISTORY_COLUMNS];
        for (int i = 0; i < h; i++) {
            EpochResult r = history.get(i);
            long[] row = {r.epoch(), bits(r.trainLoss()), bits(r.trainAccuracy()), bits(r.testLoss()), bits(r.testAccuracy()),
                r.samples(), bits(r.trainSeconds()), bits(r.evalSeconds()), r.gcCount(), r.gcMillis()};
            System.arraycopy(row, 0, rows, i * HISTORY_COLUMNS, HISTORY_COLUMNS);
        }
        c.putLongs("trainer.history", new int[] {h, HISTORY_COLUMNS}, rows);
        for (TrainingListener l : listeners) {
            if (l instanceof StatefulListener s) {
                c.putString(LISTENER + s.stateName(), s.getClass().getSimpleName());
                c.putAll(LISTENER + s.stateName() + ".", s.saveState());
            }
        }
        return c;
    }

    /** Writes {@link #checkpoint()} atomically to {@code path}. */
    public void save(Path path) throws IOException {
        CheckpointIO.write(path, checkpoint());
    }

    /**
     * Restores model, optimizer and position from a checkpoint of a trainer built the same way
     * (same model architecture, optimizer type, batch size and seed). All or nothing: if any part
     * of the checkpoint is refused, the model, optimizer and position are put back as they were
     * before the call and the error is rethrown.
     */
    public void restore(Checkpoint c) {
        if (!c.has("meta.format") || !"bitflex-trainer".equals(c.string("meta.format"))) {
            throw new IllegalArgumentException("not a bitflex training checkpoint (no meta.format = bitflex-trainer)");
        }
        if (c.getLong("trainer.batch_size") != config.batchSize() || c.getLong("trainer.seed") != config.seed()) {
            throw new IllegalArgumentException("checkpoint was trained with batch " + c.getLong("trainer.batch_size") + " and seed "
                    + c.getLong("trainer.seed") + "; resuming needs the same, got batch " + config.batchSize() + " and seed "
                    + config.seed());
        }
        Checkpoint before = checkpoint();
        try {
            load(c);
        } catch (RuntimeException e) {
            load(before);
            throw e;
        }
    }

    private void load(Checkpoint c) {
        model.loadStateDict(c.withPrefix("model."));
        model.loadExtraState(c.withPrefix("extra."));
        optimizer.loadState(c.withPrefix("optim."));
        epoch = (int) c.getLong("trainer.epoch");
        batchInEpoch = (int) c.getLong("trainer.batch");
        step = c.getLong("trainer.step");
        epochLossSum = Double.longBitsToDouble(c.getLong("trainer.loss_sum_bits"));
        epochCorrect = c.getLong("trainer.correct");
        epochSamples = c.getLong("trainer.samples");
        epochSeconds = Double.longBitsToDouble(c.getLong("trainer.seconds_bits"));
        baseLr = Double.longBitsToDouble(c.getLong("trainer.base_lr_bits"));
        optimizer.setLr(Double.longBitsToDouble(c.getLong("trainer.lr_bits")));
        history.clear();
        long[] rows = c.longs("trainer.history");
        int[] hs = c.shape("trainer.history");
        if (hs.length != 2 || hs[1] != HISTORY_COLUMNS) {
            throw new IllegalArgumentException("checkpoint's trainer.history has shape " + java.util.Arrays.toString(hs)
                    + ", expected [epochs, " + HISTORY_COLUMNS + "]");
        }
        for (int i = 0; i < hs[0]; i++) {
            int o = i * HISTORY_COLUMNS;
            history.add(new EpochResult((int) rows[o], num(rows[o + 1]), num(rows[o + 2]), num(rows[o + 3]), num(rows[o + 4]),
                    rows[o + 5], num(rows[o + 6]), num(rows[o + 7]), rows[o + 8], rows[o + 9]));
        }
        for (String name : c.names()) {
            if (name.startsWith("meta.") && !name.equals("meta.format")) {
                metadata.put(name.substring(5), c.string(name));
            }
        }
        restoreListeners(c);
    }

    /** Hands each stateful listener its state; state without a listener to take it is refused. */
    private void restoreListeners(Checkpoint c) {
        java.util.Set<String> attached = new java.util.HashSet<>();
        for (TrainingListener l : listeners) {
            if (l instanceof StatefulListener s) {
                attached.add(s.stateName());
                if (!c.has(LISTENER + s.stateName())) {
                    throw new IllegalArgumentException("checkpoint has no state for '" + s.stateName()
                            + "'; it was written by a run without it (resume with the settings it was trained with)");
                }
                s.loadState(c.withPrefix(LISTENER + s.stateName() + "."));
            }
        }
        for (String name : c.names()) {
            if (name.startsWith(LISTENER) && name.indexOf('.', LISTENER.length()) < 0
                    && !attached.contains(name.substring(LISTENER.length()))) {
                throw new IllegalArgumentException("checkpoint holds state of '" + name.substring(LISTENER.length())
                        + "' (" + c.string(name) + ") that this run does not use; resume with the settings it was trained with");
            }
        }
    }

    private static final int HISTORY_COLUMNS = 10;
    private static final String LISTENER = "listener.";

    private static long bits(double v) {
        return Double.doubleToRawLongBits(v);
    }

    private static double num(long bits) {
        return Double.longBitsToDouble(bits);
    }

    /** The metadata (model name and the like) this trainer writes into checkpoints. */
    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }
}

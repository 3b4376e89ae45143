package bitflex.nn.data;

import bitflex.engine.parallel.Parallel;
import java.util.SplittableRandom;

/**
 * Cuts a {@link Dataset} into mini-batches, optionally in a shuffled order.
 *
 * <p>The order of epoch {@code e} is a pure function of {@code (seed, e)}: it does not depend on
 * the thread count, on earlier epochs having run, or on anything else, so a run resumed at epoch
 * {@code e}, batch {@code b} sees exactly the batches an uninterrupted run would have seen. The
 * batch arrays are allocated once and refilled for every step.
 *
 * <pre>{@code
 * DataLoader loader = new DataLoader(train, 64, true, 42, false);
 * loader.startEpoch(0);
 * while (loader.next()) { Batch b = loader.batch(); ... }
 * }</pre>
 */
public final class DataLoader {
    /**
     * Samples per task when a batch is filled: a batch of 64 is two tasks, one per core of a 2-core
     * machine (filling it from Fashion-MNIST's bytes took 64-83 us on one thread, 55-60 on two).
     */
    private static final int COPY_GRAIN = 32;
    private final Dataset data;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final int[] order;
    private final Batch batch;
    private int epoch = -1;
    private int nextBatch;

    /**
     * @param shuffle  visit the samples in a seeded random order, new every epoch
     * @param seed     the shuffle seed
     * @param dropLast skip a final batch smaller than {@code batchSize}
     */
    public DataLoader(Dataset data, int batchSize, boolean shuffle, long seed, boolean dropLast) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("DataLoader: batch size must be >= 1, got " + batchSize);
        }
        this.data = data;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.dropLast = dropLast;
        this.order = new int[data.size()];
        this.batch = new Batch(batchSize, data.sampleSize());
    }

    public Dataset dataset() {
        return data;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Batches in one epoch. */
    public int batchesPerEpoch() {
        int n = data.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Samples visited in one epoch (fewer than the data set's size when the last batch is dropped). */
    public int samplesPerEpoch() {
        return dropLast ? batchesPerEpoch() * batchSize : data.size();
    }

    /** Starts epoch {@code epoch} at its first batch. */
    public void startEpoch(int epoch) {
        startEpoch(epoch, 0);
    }

    /** Starts epoch {@code epoch} at batch {@code firstBatch} (to resume an interrupted epoch). */
    public void startEpoch(int epoch, int firstBatch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("DataLoader: epoch must be >= 0, got " + epoch);
        }
        if (firstBatch < 0 || firstBatch > batchesPerEpoch()) {
            throw new IllegalArgumentException("DataLoader: first batch must be in [0, " + batchesPerEpoch() + "], got " + firstBatch);
        }
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom rng = new SplittableRandom(mix(seed, epoch));
            for (int i = order.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        this.epoch = epoch;
        this.nextBatch = firstBatch;
    }

    /** The current epoch (-1 before the first {@link #startEpoch}). */
    public int epoch() {
        return epoch;
    }

    /** Index within the epoch of the batch the next {@link #next()} will load. */
    public int nextBatchIndex() {
        return nextBatch;
    }

    /** Loads the next batch of the epoch into {@link #batch()}; false when the epoch is over. */
    public boolean next() {
        if (epoch < 0) {
            throw new IllegalStateException("DataLoader: call startEpoch before next");
        }
        if (nextBatch >= batchesPerEpoch()) {
            return false;
        }
        int from = nextBatch * batchSize;
        int n = Math.min(batchSize, data.size() - from);
        int s = data.sampleSize();
        float[] dst = batch.inputs();
        int[] y = batch.labels();
        Parallel.forRange(n, COPY_GRAIN, (a, b) -> {
            for (int i = a; i < b; i++) {
                data.copySample(order[from + i], dst, i * s);
            }
        });
        for (int i = 0; i < n; i++) {
            y[i] = data.label(order[from + i]);
        }
        batch.setSize(n);
        nextBatch++;
        return true;
    }

    /** The batch the last {@link #next()} loaded (the same object every time). */
    public Batch batch() {
        return batch;
    }

    private static long mix(long seed, int epoch) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

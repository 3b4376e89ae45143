package bitflex.nn.train;

/**
 * The metrics of one training epoch and the evaluation after it.
 *
 * @param epoch          0-based epoch
 * @param trainLoss      mean training loss over the epoch's samples
 * @param trainAccuracy  fraction of training samples classified right (during training)
 * @param testLoss       mean loss on the evaluation set (NaN if none)
 * @param testAccuracy   accuracy on the evaluation set (NaN if none)
 * @param samples        training samples processed
 * @param trainSeconds   wall time of the training loop (batch loading included, evaluation not)
 * @param evalSeconds    wall time of the evaluation
 * @param gcCount        garbage collections during the epoch's training loop
 * @param gcMillis       their accumulated time
 */
public record EpochResult(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
                          long samples, double trainSeconds, double evalSeconds, long gcCount, long gcMillis) {
    /** Training throughput of the epoch. */
    public double samplesPerSecond() {
        return trainSeconds > 0 ? samples / trainSeconds : Double.NaN;
    }

    @Override
    public String toString() {
        return String.format("epoch %d: train loss %.4f acc %.2f%%, test loss %.4f acc %.2f%%, %,.0f samples/s, %.2f s, GC %d (%d ms)",
                epoch + 1, trainLoss, 100 * trainAccuracy, testLoss, 100 * testAccuracy, samplesPerSecond(), trainSeconds,
                gcCount, gcMillis);
    }
}

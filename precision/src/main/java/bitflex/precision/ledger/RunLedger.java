package bitflex.precision.ledger;

import java.util.List;

/**
 * The ledger over a run so far.
 *
 * @param steps       closed steps
 * @param layers      cost per layer summed over the steps, in first-reported order
 * @param total       sum of the layers, named {@code "total"}
 * @param peakMemory  per layer, its memory at the step where its bitflex total was largest
 * @param peakTotal   the total memory of the step where the bitflex total was largest
 * @param samples     samples over the closed steps, as reported
 * @param wallNanos   measured wall time over the closed steps, as reported
 */
public record RunLedger(long steps, List<LayerCost> layers, LayerCost total,
                        List<MemoryReport> peakMemory, MemoryReport peakTotal, long samples, long wallNanos) {

    /** Measured training throughput, samples per second (NaN when no time was reported). */
    public double samplesPerSecond() {
        return wallNanos == 0 ? Double.NaN : samples * 1e9 / wallNanos;
    }
}

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
 */
public record RunLedger(long steps, List<LayerCost> layers, LayerCost total,
                        List<MemoryReport> peakMemory, MemoryReport peakTotal) {}

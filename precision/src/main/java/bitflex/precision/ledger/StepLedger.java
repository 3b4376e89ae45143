package bitflex.precision.ledger;

import java.util.List;

/**
 * Everything the ledger knows about one training step.
 *
 * @param step    the trainer's step counter
 * @param ops     the passes run, with their operand bitwidths, in the order reported
 * @param layers  cost per layer (sum of its passes), in first-reported order
 * @param total   sum of the layers, named {@code "total"}
 * @param memory  memory per layer, in first-reported order
 * @param memoryTotal sum of the layers' memory: the step's peak, since all of it is live at once
 *                    between forward and backward
 * @param samples     samples the step trained on, as measured (0 if not reported)
 * @param wallNanos   measured wall time of the step in nanoseconds (0 if not reported)
 */
public record StepLedger(long step, List<GemmOp> ops, List<LayerCost> layers, LayerCost total,
                         List<MemoryReport> memory, MemoryReport memoryTotal, long samples, long wallNanos) {}

package bitflex.precision.ledger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cost, energy and memory ledger: per layer and in total, per step and per run, always beside
 * the float32 and QAT baselines. The trainer opens a step, reports each pass it ran and each
 * layer's memory, and closes the step.
 *
 * <pre>{@code
 * Ledger ledger = new Ledger(new CostModel(EnergyModel.horowitz45nm()));
 * ledger.beginStep(step);
 * ledger.gemms(GemmOp.integer("0.weight", MacCounter.linear(64, 784, 256), 8, 8, 16, density));
 * ledger.memory(new LayerMemory("0.weight", n, bytes, 0, gradBytes, stateBytes, 1, saved, savedBytes));
 * StepLedger s = ledger.endStep(batchSize, System.nanoTime() - t0);
 * }</pre>
 *
 * Not thread-safe: one trainer thread reports.
 */
public final class Ledger {
    private static final String TOTAL = "total";

    private final CostModel cost;
    private final Map<String, LayerCost> runCosts = new LinkedHashMap<>();
    private final Map<String, MemoryReport> peakByLayer = new LinkedHashMap<>();
    private MemoryReport peakTotal = MemoryReport.empty(TOTAL);
    private long steps;
    private long samples;
    private long wallNanos;

    private boolean open;
    private long step;
    private final List<GemmOp> stepOps = new ArrayList<>();
    private final Map<String, LayerCost> stepCosts = new LinkedHashMap<>();
    private final Map<String, MemoryReport> stepMemory = new LinkedHashMap<>();

    public Ledger(CostModel cost) {
        this.cost = cost;
    }

    /** With the DESIGN.md 45 nm table and a 32-bit accumulator. */
    public Ledger() {
        this(new CostModel(EnergyModel.horowitz45nm()));
    }

    public CostModel costModel() {
        return cost;
    }

    public void beginStep(long step) {
        if (open) {
            throw new IllegalStateException("Ledger: step " + this.step + " is still open; endStep() it first");
        }
        open = true;
        this.step = step;
        stepOps.clear();
        stepCosts.clear();
        stepMemory.clear();
    }

    /** Reports a pass run in the open step. */
    public void gemm(GemmOp op) {
        requireOpen("gemm");
        stepOps.add(op);
        stepCosts.merge(op.layer(), cost.price(op), LayerCost::plus);
    }

    public void gemms(GemmOp... ops) {
        for (GemmOp op : ops) {
            gemm(op);
        }
    }

    /** Reports a layer's memory in the open step (once per layer). */
    public void memory(LayerMemory m) {
        requireOpen("memory");
        if (stepMemory.putIfAbsent(m.layer(), MemoryReport.of(m)) != null) {
            throw new IllegalArgumentException("Ledger: memory of layer " + m.layer()
                    + " reported twice in step " + step);
        }
    }

    /** Closes the step without timing, adds it to the run, and returns it. */
    public StepLedger endStep() {
        return endStep(0, 0);
    }

    /**
     * Closes the step with what was measured beside the estimates: the samples it trained on and
     * its wall time (for example {@code System.nanoTime()} around forward, backward and update).
     */
    public StepLedger endStep(long stepSamples, long stepWallNanos) {
        requireOpen("endStep");
        if (stepSamples < 0 || stepWallNanos < 0) {
            throw new IllegalArgumentException("Ledger.endStep: samples and wall time must be non-negative, got "
                    + stepSamples + " and " + stepWallNanos);
        }
        open = false;
        List<LayerCost> layers = List.copyOf(stepCosts.values());
        LayerCost total = LayerCost.zero(TOTAL);
        for (LayerCost c : layers) {
            total = total.plus(c);
            runCosts.merge(c.layer(), c, LayerCost::plus);
        }
        List<MemoryReport> memory = List.copyOf(stepMemory.values());
        MemoryReport memoryTotal = MemoryReport.empty(TOTAL);
        for (MemoryReport m : memory) {
            memoryTotal = memoryTotal.plus(m);
            peakByLayer.merge(m.layer(), m,
                    (old, now) -> now.bitflex().totalBytes() > old.bitflex().totalBytes() ? now : old);
        }
        if (memoryTotal.bitflex().totalBytes() > peakTotal.bitflex().totalBytes()) {
            peakTotal = memoryTotal;
        }
        steps++;
        samples += stepSamples;
        wallNanos += stepWallNanos;
        return new StepLedger(step, List.copyOf(stepOps), layers, total, memory, memoryTotal,
                stepSamples, stepWallNanos);
    }

    /** The run so far (closed steps only). */
    public RunLedger run() {
        List<LayerCost> layers = List.copyOf(runCosts.values());
        LayerCost total = LayerCost.zero(TOTAL);
        for (LayerCost c : layers) {
            total = total.plus(c);
        }
        return new RunLedger(steps, layers, total, List.copyOf(peakByLayer.values()), peakTotal, samples, wallNanos);
    }

    private void requireOpen(String what) {
        if (!open) {
            throw new IllegalStateException("Ledger." + what + ": no open step; call beginStep(step) first");
        }
    }
}

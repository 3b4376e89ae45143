package bitflex.precision.ledger;

/**
 * A layer's (or the total's) memory as bitflex allocated it, beside the same layer under each
 * baseline. Totals sum the layers' baselines, so layers with different optimizer slots add up right.
 */
public record MemoryReport(String layer, LayerMemory bitflex, LayerMemory fp32, LayerMemory qat) {

    public static MemoryReport of(LayerMemory m) {
        return new MemoryReport(m.layer(), m, m.fp32(), m.qat());
    }

    public static MemoryReport empty(String name) {
        return new MemoryReport(name, LayerMemory.empty(name), LayerMemory.empty(name), LayerMemory.empty(name));
    }

    public MemoryReport plus(MemoryReport o) {
        return new MemoryReport(layer, bitflex.plus(layer, o.bitflex), fp32.plus(layer, o.fp32), qat.plus(layer, o.qat));
    }

    public LayerMemory baseline(Baseline b) {
        return b == Baseline.FP32 ? fp32 : qat;
    }

    /** Fraction of the baseline's parameter memory (master copy included) saved. */
    public double parameterMemorySaved(Baseline b) {
        return 1.0 - (double) bitflex.parameterMemoryBytes() / baseline(b).parameterMemoryBytes();
    }

    /** Fraction of the baseline's total memory saved. */
    public double totalMemorySaved(Baseline b) {
        return 1.0 - (double) bitflex.totalBytes() / baseline(b).totalBytes();
    }
}

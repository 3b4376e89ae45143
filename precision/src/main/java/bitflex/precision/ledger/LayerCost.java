package bitflex.precision.ledger;

/**
 * A layer's (or the total's) cost as run by bitflex, beside the same work under each baseline.
 *
 * @param layer   layer name, or {@code "total"}
 * @param bitflex what bitflex ran
 * @param fp32    the same passes under {@link Baseline#FP32}
 * @param qat     the same passes under {@link Baseline#QAT}
 */
public record LayerCost(String layer, CostFigures bitflex, CostFigures fp32, CostFigures qat) {

    public static LayerCost zero(String layer) {
        return new LayerCost(layer, CostFigures.ZERO, CostFigures.ZERO, CostFigures.ZERO);
    }

    public LayerCost plus(LayerCost o) {
        return new LayerCost(layer, bitflex.plus(o.bitflex), fp32.plus(o.fp32), qat.plus(o.qat));
    }

    public CostFigures baseline(Baseline b) {
        return b == Baseline.FP32 ? fp32 : qat;
    }

    /** Fraction of the baseline's arithmetic (GEMM) energy saved; negative if bitflex spent more. */
    public double arithmeticEnergySaved(Baseline b) {
        return 1.0 - bitflex.arithmeticPj() / baseline(b).arithmeticPj();
    }

    /** Fraction of the baseline's total (arithmetic plus memory) energy saved. */
    public double energySaved(Baseline b) {
        return 1.0 - bitflex.energyPj() / baseline(b).energyPj();
    }

    /** bitflex bit-weighted MACs over the baseline's. */
    public double bitMacRatio(Baseline b) {
        return bitflex.bitMacs() / baseline(b).bitMacs();
    }
}

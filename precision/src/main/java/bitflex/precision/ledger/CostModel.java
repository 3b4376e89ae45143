package bitflex.precision.ledger;

/**
 * Prices a {@link GemmOp} as bitflex ran it and under each {@link Baseline}, with an
 * {@link EnergyModel}.
 *
 * <p>Arithmetic energy is {@code MACs x energy per MAC}; density does not reduce it, because the
 * integer kernels skip no product they cannot prove is zero. Memory energy is each operand read
 * once and the output written once at its bitwidth (perfect on-chip reuse: a lower bound on traffic
 * that treats bitflex and the baselines alike). Bit-weighted MACs follow AdaPT:
 * {@code WL x MACs x density}, with WL = 32 and density 1 for float32 and WL = 8 for QAT's forward.
 */
public final class CostModel {
    /** Word length of QAT's integer copy. */
    public static final int QAT_BITS = 8;

    private final EnergyModel energy;

    public CostModel(EnergyModel energy) {
        this.energy = energy;
    }

    public EnergyModel energy() {
        return energy;
    }

    /** The op as bitflex ran it. */
    public CostFigures bitflex(GemmOp op) {
        GemmShape s = op.shape();
        double perMac = op.arithmetic() == GemmOp.Arithmetic.FLOAT32 ? energy.fp32MacPj()
                : energy.integerMacPj(op.leftBits(), op.rightBits());
        return new CostFigures(s.macs(), (double) op.weightBits() * s.macs() * op.density(),
                s.macs() * perMac, traffic(s, op.leftBits(), op.rightBits(), op.outputBits()));
    }

    /** The same shape in float32. */
    public CostFigures fp32(GemmOp op) {
        GemmShape s = op.shape();
        return new CostFigures(s.macs(), 32.0 * s.macs(), s.macs() * energy.fp32MacPj(), traffic(s, 32, 32, 32));
    }

    /** The same shape under QAT: int8 forward, float32 backward. */
    public CostFigures qat(GemmOp op) {
        if (op.pass() != Pass.FORWARD) {
            return fp32(op);
        }
        GemmShape s = op.shape();
        return new CostFigures(s.macs(), (double) QAT_BITS * s.macs(),
                s.macs() * energy.integerMacPj(QAT_BITS, QAT_BITS), traffic(s, QAT_BITS, QAT_BITS, QAT_BITS));
    }

    public CostFigures baseline(Baseline b, GemmOp op) {
        return b == Baseline.FP32 ? fp32(op) : qat(op);
    }

    /** All three, as one {@link LayerCost} named after the op's layer. */
    public LayerCost price(GemmOp op) {
        return new LayerCost(op.layer(), bitflex(op), fp32(op), qat(op));
    }

    private double traffic(GemmShape s, int leftBits, int rightBits, int outputBits) {
        return energy.movePj(s.leftElements(), leftBits) + energy.movePj(s.rightElements(), rightBits)
                + energy.movePj(s.outputElements(), outputBits);
    }
}

package bitflex.precision.ledger;

/**
 * Cost of some work: MACs, bit-weighted MACs ({@code WL * MACs * density}), and estimated energy
 * for the arithmetic and for the memory traffic of the GEMM operands, in picojoules.
 */
public record CostFigures(long macs, double bitMacs, double arithmeticPj, double memoryPj) {
    public static final CostFigures ZERO = new CostFigures(0, 0, 0, 0);

    public double energyPj() {
        return arithmeticPj + memoryPj;
    }

    public CostFigures plus(CostFigures o) {
        return new CostFigures(macs + o.macs, bitMacs + o.bitMacs, arithmeticPj + o.arithmeticPj,
                memoryPj + o.memoryPj);
    }
}

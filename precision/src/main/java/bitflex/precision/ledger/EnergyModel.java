package bitflex.precision.ledger;

/**
 * Energy per operation and per bit moved, from the 45 nm table of Horowitz (ISSCC 2014) in
 * DESIGN.md, with the scaling rules for other widths.
 *
 * <p><b>Arithmetic.</b> Float32: multiply 3.7 pJ, add 0.9 pJ. Integers: the table gives int8 and
 * int32 points (multiply 0.2 and 3.1 pJ, add 0.03 and 0.1 pJ). Other widths follow a power law
 * through both points, {@code E(b) = E(8) (b/8)^k}: for multiply {@code k = log4(3.1/0.2) = 1.98}
 * (the "~b^2" rule), for add {@code k = log4(0.1/0.03) = 0.87} (the "~b" rule). This keeps both
 * published points exact, so an 8-bit layer costs exactly what the QAT baseline's int8 GEMM costs,
 * and energy grows strictly with width. A product of a-bit by b-bit operands costs as a
 * {@code sqrt(ab)}-bit square multiplier (array multiplier area ~ a b). A MAC adds into the
 * accumulator, so its add is at the accumulator width (32 bits by default, as the kernels use).
 *
 * <p><b>Memory.</b> Energy per 64-bit read: 8 KB SRAM 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ, DRAM
 * 1.3 nJ (the low end of 1.3-2.6 nJ, which understates what fewer bits save). A tensor is charged at
 * the smallest level its footprint (at its own bitwidth) fits in, per bit moved; writes cost as much
 * as reads (the table has only reads).
 */
public record EnergyModel(double int8MultiplyPj, double int32MultiplyPj, double int8AddPj, double int32AddPj,
                          double fp32MultiplyPj, double fp32AddPj,
                          double sram8kReadPj, double sram32kReadPj, double sram1mReadPj, double dramReadPj,
                          int accumulatorBits) {

    public EnergyModel {
        if (!(int8MultiplyPj > 0 && int32MultiplyPj > int8MultiplyPj && int8AddPj > 0 && int32AddPj > int8AddPj
                && fp32MultiplyPj > 0 && fp32AddPj > 0 && sram8kReadPj > 0 && sram32kReadPj >= sram8kReadPj
                && sram1mReadPj >= sram32kReadPj && dramReadPj >= sram1mReadPj)) {
            throw new IllegalArgumentException("EnergyModel: energies must be positive and grow with width"
                    + " and memory level");
        }
        if (accumulatorBits < 1 || accumulatorBits > 64) {
            throw new IllegalArgumentException("EnergyModel: accumulatorBits must be in [1, 64], got " + accumulatorBits);
        }
    }

    /** The DESIGN.md table with a 32-bit accumulator. */
    public static EnergyModel horowitz45nm() {
        return new EnergyModel(0.2, 3.1, 0.03, 0.1, 3.7, 0.9, 10, 20, 100, 1300, 32);
    }

    /** The same table with another accumulator width. */
    public EnergyModel withAccumulatorBits(int bits) {
        return new EnergyModel(int8MultiplyPj, int32MultiplyPj, int8AddPj, int32AddPj, fp32MultiplyPj,
                fp32AddPj, sram8kReadPj, sram32kReadPj, sram1mReadPj, dramReadPj, bits);
    }

    /** Integer multiply of an a-bit by a b-bit operand, pJ. */
    public double multiplyPj(int aBits, int bBits) {
        checkBits(aBits);
        checkBits(bBits);
        double k = Math.log(int32MultiplyPj / int8MultiplyPj) / Math.log(4.0);
        return int8MultiplyPj * Math.pow((double) aBits * bBits / 64.0, k / 2);
    }

    /** Integer add at b bits, pJ. */
    public double addPj(int bits) {
        checkBits(bits);
        double k = Math.log(int32AddPj / int8AddPj) / Math.log(4.0);
        return int8AddPj * Math.pow(bits / 8.0, k);
    }

    /** Integer multiply-accumulate: the product, then an add at the accumulator width, pJ. */
    public double integerMacPj(int aBits, int bBits) {
        return multiplyPj(aBits, bBits) + addPj(accumulatorBits);
    }

    /** Float32 multiply-accumulate, pJ. */
    public double fp32MacPj() {
        return fp32MultiplyPj + fp32AddPj;
    }

    /** Energy of reading (or writing) one bit of a tensor whose footprint is {@code bytes}, pJ. */
    public double perBitPj(long bytes) {
        double per64;
        if (bytes <= 8L * 1024) {
            per64 = sram8kReadPj;
        } else if (bytes <= 32L * 1024) {
            per64 = sram32kReadPj;
        } else if (bytes <= 1024L * 1024) {
            per64 = sram1mReadPj;
        } else {
            per64 = dramReadPj;
        }
        return per64 / 64.0;
    }

    /** Energy of moving a whole tensor of {@code elements} at {@code bits} each once, pJ. */
    public double movePj(long elements, int bits) {
        checkBits(bits);
        long totalBits = elements * bits;
        long bytes = (totalBits + 7) / 8;
        return totalBits * perBitPj(bytes);
    }

    private static void checkBits(int bits) {
        if (bits < 1 || bits > 64) {
            throw new IllegalArgumentException("EnergyModel: bit width must be in [1, 64], got " + bits);
        }
    }
}

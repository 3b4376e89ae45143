package bitflex.engine.fixed.gemm;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.QTensor;

/** Picks the integer kernel for a pair of quantized operands and hands it their integers. */
final class IntOperands {
    private IntOperands() {}

    /** Whether all integers of the format fit a signed int8. */
    static boolean fitsInt8(FixedPointFormat f) {
        return f.signed() ? f.wordLength() <= 8 : f.wordLength() <= 7;
    }

    /** Whether all integers of the format fit a signed int16. */
    static boolean fitsInt16(FixedPointFormat f) {
        return f.signed() ? f.wordLength() <= 16 : f.wordLength() <= 15;
    }

    static void require16(String op, QTensor t, String name) {
        if (!fitsInt16(t.format())) {
            throw new IllegalArgumentException(op + ": operand " + name + " has format " + t.format()
                    + "; the integer kernels take signed WL <= 16 (unsigned WL <= 15)");
        }
    }

    /** The integers as int8 (the storage itself when it already is). */
    static byte[] int8(QTensor t) {
        return (byte[]) t.storage();
    }

    /** The integers as int16 (widened from bytes, with unsigned bytes zero-extended). */
    static short[] int16(QTensor t) {
        if (t.storage() instanceof short[] s) {
            return s;
        }
        byte[] b = (byte[]) t.storage();
        short[] s = new short[b.length];
        boolean signed = t.format().signed();
        for (int i = 0; i < b.length; i++) {
            s[i] = (short) (signed ? b[i] : b[i] & 0xFF);
        }
        return s;
    }
}

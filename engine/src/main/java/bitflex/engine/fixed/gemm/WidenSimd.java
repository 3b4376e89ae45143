package bitflex.engine.fixed.gemm;

import bitflex.engine.simd.Simd;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** Widening copies used by packing: int8 to float lanes (exact: every int8 is a float). */
final class WidenSimd {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    /** Bytes with (at least) as many lanes as a float vector; at 128 bits it holds 8 bytes, 4 used. */
    private static final VectorSpecies<Byte> B4 =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, Simd.BITS / 4)));
    /** Extra bytes a vector load may read past the last converted element. */
    static final int BYTE_SLACK = B4.length() - F.length();

    private WidenSimd() {}

    /** {@code dst[d + i] = src[s + i]} for {@code i < n}, n a multiple of the float lane count. */
    static void bytesToFloats(byte[] src, int s, float[] dst, int d, int n) {
        int lanes = F.length();
        for (int i = 0; i < n; i += lanes) {
            ((FloatVector) ByteVector.fromArray(B4, src, s + i).convertShape(VectorOperators.B2F, F, 0))
                    .intoArray(dst, d + i);
        }
    }
}

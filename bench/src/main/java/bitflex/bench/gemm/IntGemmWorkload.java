package bitflex.bench.gemm;

import bitflex.engine.fixed.gemm.Accumulator;
import bitflex.engine.fixed.gemm.IntGemm;
import java.util.SplittableRandom;

/**
 * {@link IntGemm} on full-range random int8 or int16 operands into the default 32-bit wrapping
 * accumulator: {@code C = op(A) * op(B)}, exact products. One of these per integer dtype.
 */
final class IntGemmWorkload implements GemmWorkload {
    private final GemmShape s;
    private final boolean int8;
    private final byte[] a8;
    private final byte[] b8;
    private final short[] a16;
    private final short[] b16;
    private final int[] c;
    private final int lda;
    private final int ldb;

    private IntGemmWorkload(GemmShape s, boolean int8) {
        this.s = s;
        this.int8 = int8;
        SplittableRandom r = new SplittableRandom(1);
        int na = s.m() * s.k();
        int nb = s.k() * s.n();
        a8 = int8 ? new byte[na] : null;
        b8 = int8 ? new byte[nb] : null;
        a16 = int8 ? null : new short[na];
        b16 = int8 ? null : new short[nb];
        for (int i = 0; i < na; i++) {
            if (int8) {
                a8[i] = (byte) r.nextInt();
            } else {
                a16[i] = (short) r.nextInt();
            }
        }
        for (int i = 0; i < nb; i++) {
            if (int8) {
                b8[i] = (byte) r.nextInt();
            } else {
                b16[i] = (short) r.nextInt();
            }
        }
        c = new int[s.m() * s.n()];
        lda = s.transA() ? s.m() : s.k();
        ldb = s.transB() ? s.k() : s.n();
    }

    static GemmWorkload int8(GemmShape s) {
        return new IntGemmWorkload(s, true);
    }

    static GemmWorkload int16(GemmShape s) {
        return new IntGemmWorkload(s, false);
    }

    @Override
    public void run() {
        if (int8) {
            IntGemm.gemm(s.transA(), s.transB(), s.m(), s.n(), s.k(), a8, 0, lda, b8, 0, ldb, c, 0, s.n(), Accumulator.INT32);
        } else {
            IntGemm.gemm(s.transA(), s.transB(), s.m(), s.n(), s.k(), a16, 0, lda, b16, 0, ldb, c, 0, s.n(), Accumulator.INT32);
        }
    }

    @Override
    public GemmShape shape() {
        return s;
    }
}

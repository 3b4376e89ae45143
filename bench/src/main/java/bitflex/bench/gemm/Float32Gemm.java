package bitflex.bench.gemm;

import bitflex.engine.gemm.Sgemm;
import java.util.SplittableRandom;

/** {@link Sgemm} on random float32 operands: {@code C = A * B} (alpha 1, beta 0). */
final class Float32Gemm implements GemmWorkload {
    private final GemmShape s;
    private final float[] a;
    private final float[] b;
    private final float[] c;
    private final int lda;
    private final int ldb;

    Float32Gemm(GemmShape s) {
        this.s = s;
        SplittableRandom r = new SplittableRandom(1);
        a = random(r, s.m() * s.k());
        b = random(r, s.k() * s.n());
        c = new float[s.m() * s.n()];
        lda = s.transA() ? s.m() : s.k();
        ldb = s.transB() ? s.k() : s.n();
    }

    private static float[] random(SplittableRandom r, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }

    @Override
    public void run() {
        Sgemm.sgemm(s.transA(), s.transB(), s.m(), s.n(), s.k(), 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, s.n());
    }

    @Override
    public GemmShape shape() {
        return s;
    }
}

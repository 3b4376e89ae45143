package bitflex.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** im2col/col2im and pooling kernels against their scalar twins, bit for bit, over random geometries. */
@Tag("simd")
class ConvPoolTwinTest {
    static ConvGeometry randomGeometry(Random r, boolean pool) {
        if (pool && r.nextInt(4) == 0) { // the specialised 2x2 / stride 2 window
            return new ConvGeometry(1, 2 + r.nextInt(30), 2 + r.nextInt(30), 2, 2, 2, 2, 0, 0);
        }
        int kh = 1 + r.nextInt(4);
        int kw = 1 + r.nextInt(4);
        int ph = pool ? r.nextInt(kh / 2 + 1) : r.nextInt(3);
        int pw = pool ? r.nextInt(kw / 2 + 1) : r.nextInt(3);
        int h = Math.max(1, kh - 2 * ph + r.nextInt(40));
        int w = Math.max(1, kw - 2 * pw + r.nextInt(40));
        return new ConvGeometry(1 + r.nextInt(3), h, w, kh, kw, 1 + r.nextInt(3), 1 + r.nextInt(3), ph, pw);
    }

    static float[] values(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(7) == 0 ? 0.5f : r.nextFloat() * 2 - 1; // repeated values exercise ties
        }
        return v;
    }

    @Test
    void im2colAndCol2imMatchTwin() {
        qt().withFixedSeed(23).withExamples(300).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = randomGeometry(r, false);
            int xs = g.c() * g.h() * g.w();
            int off = r.nextInt(5);
            float[] x = values(r, xs + off);
            int ld = g.positions() + r.nextInt(3);
            int rows = g.patch();
            float[] a = new float[rows * ld + 3];
            float[] b = new float[rows * ld + 3];
            java.util.Arrays.fill(a, Float.NaN); // im2col must write every element, padding included
            java.util.Arrays.fill(b, Float.NaN);
            Im2col.im2col(x, off, g, a, 3, ld);
            Im2colScalar.im2col(x, off, g, b, 3, ld);
            for (int row = 0; row < rows; row++) {
                for (int q = g.positions(); q < ld; q++) { // the gap between rows is not written
                    a[3 + row * ld + q] = 0f;
                    b[3 + row * ld + q] = 0f;
                }
            }
            assertArrayEquals(b, a, g.toString());
            float[] col = values(r, rows * ld);
            float[] dx1 = values(r, xs + off);
            float[] dx2 = dx1.clone();
            Im2col.col2im(col, 0, ld, g, dx1, off);
            Im2colScalar.col2im(col, 0, ld, g, dx2, off);
            assertArrayEquals(dx2, dx1, g.toString());
        });
    }

    @Test
    void poolingMatchesTwin() {
        qt().withFixedSeed(29).withExamples(300).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = randomGeometry(r, true);
            int planes = 1 + r.nextInt(3);
            int in = planes * g.h() * g.w();
            int out = planes * g.positions();
            float[] x = values(r, in);
            float[] y1 = new float[out];
            float[] y2 = new float[out];
            if (r.nextInt(5) == 0) {
                x[r.nextInt(in)] = Float.NaN;
            }
            PoolKernels.maxForward(x, g, 0, planes, y1);
            PoolKernelsScalar.maxForward(x, g, 0, planes, y2);
            assertArrayEquals(y2, y1);
            float[] dy = values(r, out);
            float[] d1 = values(r, in);
            float[] d2 = values(r, in);
            PoolKernels.maxBackward(x, y1, dy, g, 0, planes, d1);
            PoolKernelsScalar.maxBackward(x, y2, dy, g, 0, planes, d2);
            assertArrayEquals(d2, d1);
            PoolKernels.avgForward(x, g, 0, planes, y1);
            PoolKernelsScalar.avgForward(x, g, 0, planes, y2);
            assertArrayEquals(y2, y1);
            PoolKernels.avgBackward(dy, g, 0, planes, d1);
            PoolKernelsScalar.avgBackward(dy, g, 0, planes, d2);
            assertArrayEquals(d2, d1);
        });
    }
}

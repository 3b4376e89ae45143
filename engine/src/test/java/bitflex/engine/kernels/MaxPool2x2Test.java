package bitflex.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The vectorised 2x2 / stride 2 max pool against the scalar twin, bit for bit, at every vector width:
 * odd and even sizes (every tail of a row pair), planes inside a larger array, ties, signed zeros,
 * infinities and NaN, and backward with outputs that match no window element.
 */
@Tag("simd")
class MaxPool2x2Test {

    private static float[] values(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (r.nextInt(12)) {
                case 0 -> 0.5f; // ties
                case 1 -> -0.5f;
                case 2 -> 0f;
                case 3 -> -0f;
                case 4 -> r.nextInt(8) == 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                case 5 -> r.nextInt(6) == 0 ? Float.NaN : 0.25f;
                default -> r.nextFloat() * 2 - 1;
            };
        }
        return v;
    }

    @Test
    void matchesScalarTwin() {
        qt().withFixedSeed(53).withExamples(400).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = new ConvGeometry(1, 2 + r.nextInt(40), 2 + r.nextInt(40), 2, 2, 2, 2, 0, 0);
            int from = r.nextInt(2);
            int to = from + 1 + r.nextInt(3);
            int planes = to + r.nextInt(2);
            int in = planes * g.h() * g.w();
            int out = planes * g.positions();
            float[] x = values(r, in);
            boolean relu = r.nextBoolean();

            float[] y1 = values(r, out);
            float[] y2 = y1.clone();
            if (relu) {
                PoolKernels.reluMaxForward(x, g, from, to, y1);
                PoolKernelsScalar.reluMaxForward(x, g, from, to, y2);
            } else {
                PoolKernels.maxForward(x, g, from, to, y1);
                PoolKernelsScalar.maxForward(x, g, from, to, y2);
            }
            assertArrayEquals(y2, y1, g + " relu " + relu);

            // Outputs from forward, or arbitrary ones (some windows then match nothing).
            float[] y = r.nextBoolean() ? y1 : values(r, out);
            float[] dy = values(r, out);
            float[] d1 = new float[in];
            Arrays.fill(d1, -1234.5f); // every element of the planes must be written (dy may hold NaN, never this)
            float[] d2 = d1.clone();
            if (relu) {
                PoolKernels.reluMaxBackward(x, y, dy, g, from, to, d1);
                PoolKernelsScalar.reluMaxBackward(x, y, dy, g, from, to, d2);
            } else {
                PoolKernels.maxBackward(x, y, dy, g, from, to, d1);
                PoolKernelsScalar.maxBackward(x, y, dy, g, from, to, d2);
            }
            assertArrayEquals(d2, d1, g + " relu " + relu);
        });
    }

    @Test
    void fusedPoolFromTheWideGridWritesOnlyItsPlanes() {
        qt().withFixedSeed(59).withExamples(300).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            int oh = 2 + r.nextInt(30), ow = 2 + r.nextInt(30), wp = ow + r.nextInt(5), lr = oh * wp + r.nextInt(3);
            int from = r.nextInt(3), to = from + 1 + r.nextInt(3), planes = to + r.nextInt(3);
            ConvGeometry g = new ConvGeometry(1, oh, ow, 2, 2, 2, 2, 0, 0);
            int pp = g.positions(), wpp = MaxPool2x2.winnerInts(oh, ow);
            boolean withBias = r.nextBoolean();
            float bias = withBias ? r.nextFloat() - 0.5f : 0f;
            float[] wide = ConvPoolTwinTest.values(r, planes * lr);
            for (int i = 0; i < wide.length; i++) {
                if (r.nextInt(8) == 0) {
                    wide[i] = r.nextBoolean() ? 0f : -0f;
                }
            }
            // the convolution output the wide grid stands for, as the unfused ops would see it
            float[] conv = new float[planes * oh * ow];
            for (int k = 0; k < planes; k++) {
                for (int y = 0; y < oh; y++) {
                    for (int x = 0; x < ow; x++) {
                        float v = wide[k * lr + y * wp + x];
                        conv[(k * oh + y) * ow + x] = withBias ? v + bias : v;
                    }
                }
            }
            float[] pooled = new float[planes * pp], twin = new float[planes * pp];
            Arrays.fill(pooled, Float.NaN);
            Arrays.fill(twin, Float.NaN);
            int[] winners = new int[planes * wpp];
            for (int k = from; k < to; k++) {
                MaxPool2x2.reluForwardFromWide(wide, k, lr, wp, oh, ow, withBias, bias, pooled, k * pp, to * pp, winners, k * wpp);
            }
            PoolKernelsScalar.reluMaxForward(conv, g, from, to, twin);
            String what = oh + "x" + ow + " wp=" + wp + " planes [" + from + ", " + to + ") of " + planes;
            assertArrayEquals(twin, pooled, what + " forward");

            float[] dPooled = ConvPoolTwinTest.values(r, planes * pp);
            float[] dy = new float[planes * oh * ow], dyTwin = new float[dy.length];
            Arrays.fill(dy, Float.NaN);
            Arrays.fill(dyTwin, Float.NaN);
            MaxPool2x2.reluBackwardFromWinners(dPooled, winners, oh, ow, from, to, dy);
            PoolKernelsScalar.reluMaxBackward(conv, twin, dPooled, g, from, to, dyTwin);
            assertArrayEquals(dyTwin, dy, what + " backward");
        });
    }
}

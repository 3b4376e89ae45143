package bitflex.precision.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MacCounterTest {

    /** Counts the products of a naive direct convolution loop, padding included. */
    private static long naiveConvMacs(int batch, int inC, int outC, int h, int w, int kh, int kw,
                                      int sh, int sw, int ph, int pw, int groups) {
        long count = 0;
        int outH = 0;
        for (int oy = -ph; oy + kh <= h + ph; oy += sh) outH++;
        int outW = 0;
        for (int ox = -pw; ox + kw <= w + pw; ox += sw) outW++;
        int inPerGroup = inC / groups;
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < outC; o++)
                for (int y = 0; y < outH; y++)
                    for (int x = 0; x < outW; x++)
                        for (int c = 0; c < inPerGroup; c++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++)
                                    count++;
        return count;
    }

    @Test
    void conv2dMatchesANaiveLoopInEveryPass() {
        qt().withExamples(300).forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            int groups = r.nextInt(1, 4);
            int inC = groups * r.nextInt(1, 4);
            int outC = groups * r.nextInt(1, 4);
            int kh = r.nextInt(1, 4), kw = r.nextInt(1, 4);
            int ph = r.nextInt(0, 2), pw = r.nextInt(0, 2);
            int h = r.nextInt(Math.max(1, kh - 2 * ph), 9), w = r.nextInt(Math.max(1, kw - 2 * pw), 9);
            int sh = r.nextInt(1, 3), sw = r.nextInt(1, 3);
            int batch = r.nextInt(1, 3);
            LayerGemms g = MacCounter.conv2d(batch, inC, outC, h, w, kh, kw, sh, sw, ph, pw, groups);
            long naive = naiveConvMacs(batch, inC, outC, h, w, kh, kw, sh, sw, ph, pw, groups);
            assertEquals(naive, g.forward().macs());
            assertEquals(naive, g.backwardInput().macs());
            assertEquals(naive, g.backwardWeight().macs());
            assertEquals(3 * naive, g.trainingMacs());
            long weights = (long) outC * (inC / groups) * kh * kw;
            assertEquals(weights, g.forward().leftElements());
            assertEquals(weights, g.backwardWeight().outputElements());
            assertEquals((long) batch * inC * h * w, g.forward().rightElements());
            assertEquals(g.forward().outputElements(), g.backwardInput().rightElements());
        });
    }

    @Test
    void lenet5AndLinearFigures() {
        // LeNet-5's first conv on 28x28 with padding 2: 6 x 28 x 28 x 25 = 117,600 MACs per sample.
        assertEquals(117_600L, MacCounter.conv2d(1, 1, 6, 28, 28, 5, 1, 2).forward().macs());
        // Second conv, 6 -> 16 on 14x14, no padding: 16 x 10 x 10 x 150 = 240,000.
        assertEquals(240_000L, MacCounter.conv2d(1, 6, 16, 14, 14, 5, 1, 0).forward().macs());
        LayerGemms fc = MacCounter.linear(64, 784, 256);
        assertEquals(64L * 784 * 256, fc.forward().macs());
        assertEquals(784L * 256, fc.forward().leftElements());
        assertEquals(64L * 256, fc.backwardInput().rightElements());
        assertEquals(64L * 784, fc.backwardInput().outputElements());
        assertEquals(784L * 256, fc.backwardWeight().outputElements());
        qt().withExamples(200).forAll(integers().between(1, 512), integers().between(1, 4096), integers().between(1, 4096))
                .checkAssert((b, in, out) -> assertEquals(3L * b * in * out, MacCounter.linear(b, in, out).trainingMacs()));
    }

    @Test
    void badShapesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MacCounter.linear(0, 3, 4));
        assertEquals("MacCounter.linear: batch must be positive, got 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MacCounter.conv2d(1, 3, 4, 8, 8, 3, 3, 1, 1, 0, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> MacCounter.conv2d(1, 1, 1, 2, 2, 5, 1, 0));
    }
}

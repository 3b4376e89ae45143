package bitflex.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The taps a block of the direct convolution may skip: every skipped tap reads only zeros at the
 * positions the kernel keeps, for the forward and the input gradient, any block size and vector length;
 * and LeNet-5's conv2 input gradient really skips.
 */
class Conv2dTapPlanTest {
    @Test
    void skippedTapsReadOnlyZerosAtKeptPositions() {
        qt().withFixedSeed(71).withExamples(300).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            ConvGeometry g = Conv2dDirectMultiTest.randomGeometry(r, 20);
            int o = 1 + r.nextInt(4);
            int vl = 4 << r.nextInt(3);
            int wp = Conv2dDirect.paddedWidth(g);
            // data planes without a single zero: every zero read is padding, margin or tail
            float[] x = ones(g.c() * g.h() * g.w());
            float[] dy = ones(o * g.positions());
            int pl = Conv2dDirect.paddedLength(g);
            float[] xp = new float[g.c() * pl + 4 * vl];
            for (int c = 0; c < g.c(); c++) {
                Conv2dDirect.pad(x, c * g.h() * g.w(), g, xp, c * pl);
            }
            int gpl = Conv2dDirectMulti.gradPaddedLength(g);
            float[] dyp = new float[o * gpl + 4 * vl];
            for (int k = 0; k < o; k++) {
                Conv2dDirectMulti.padGrad(dy, k * g.positions(), g, dyp, k * gpl);
            }
            int fwdVectors = (g.oh() * wp + vl - 1) / vl, gradVectors = (g.h() * wp + vl - 1) / vl;
            checkBlocks(Conv2dTapPlan.forward(g, vl), xp, 0, fwdVectors, vl, wp, g.oh(), g.ow(), g + " forward");
            checkBlocks(Conv2dTapPlan.inputGradient(g, o, vl), dyp, Conv2dDirectMulti.gradOffset(g), gradVectors, vl, wp, g.h(), g.w(),
                    g + " input gradient");
        });
    }

    /** Every block [v, v + nv) with nv in 1..4: taps increasing, and skipped ones read 0 at kept positions. */
    private static void checkBlocks(Conv2dTapPlan plan, float[] in, int off, int vectors, int vl, int wp, int rows, int cols, String what) {
        int[] offs = plan.offsets();
        for (int nv = 1; nv <= 4; nv++) {
            for (int v = 0; v + nv <= vectors; v++) {
                int[] taps = plan.taps(v, nv);
                for (int t = 1; t < taps.length; t++) {
                    assertTrue(taps[t - 1] < taps[t], what + ": taps not increasing");
                }
                for (int u = 0; u < plan.count(); u++) {
                    if (Arrays.binarySearch(taps, u) >= 0) {
                        continue;
                    }
                    for (int p = v * vl; p < (v + nv) * vl; p++) {
                        if (p / wp < rows && p % wp < cols) {
                            assertEquals(0f, in[off + p + offs[u]], what + ": block " + v + "+" + nv + " skips tap " + u
                                    + " but kept position " + p + " reads data");
                        }
                    }
                }
            }
        }
    }

    @Test
    void lenetConv2InputGradientSkipsZeroRowsAtTheEdgesOnly() {
        ConvGeometry g = new ConvGeometry(6, 14, 14, 5, 5, 1, 1, 0, 0);
        Conv2dTapPlan plan = Conv2dTapPlan.inputGradient(g, 16, 16);
        // vectors 0..2 span dx rows 0..3: turned tap row 0 reads only the zero rows above dY
        assertEquals(16 * 4 * 5, plan.taps(0, 3).length);
        // vectors 3..5 span rows 3..6, all tap rows read data
        assertEquals(16 * 25, plan.taps(3, 3).length);
        // vector 12 spans rows 13 and the tail: only tap row 0 reads dY's last row
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, Arrays.copyOf(plan.taps(12, 1), 5));
        assertEquals(16 * 5, plan.taps(12, 1).length);
        // a padded forward (LeNet conv1, rows 32 wide): output row 0 reads two padding rows first
        Conv2dTapPlan conv1 = Conv2dTapPlan.forward(new ConvGeometry(1, 28, 28, 5, 5, 1, 1, 2, 2), 16);
        assertEquals(15, conv1.taps(0, 1).length);
        assertEquals(25, conv1.taps(10, 3).length);
    }

    @Test
    void aReleasedPlanLeavesNoScratchCounted() {
        long before = bitflex.engine.memory.ScratchMemory.threadBytes();
        Conv2dTapPlan plan = Conv2dTapPlan.inputGradient(new ConvGeometry(6, 14, 14, 5, 5, 1, 1, 0, 0), 16, 16);
        for (int v = 0; v < 13; v++) {
            plan.taps(v, 1);
        }
        assertTrue(bitflex.engine.memory.ScratchMemory.threadBytes() > before, "the plan's tables are counted");
        plan.release();
        assertEquals(before, bitflex.engine.memory.ScratchMemory.threadBytes());
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }
}

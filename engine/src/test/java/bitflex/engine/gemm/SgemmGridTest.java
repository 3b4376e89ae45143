package bitflex.engine.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import org.junit.jupiter.api.Test;

/** How {@link Sgemm#grid} cuts C into tasks: from the shape alone, never more tasks than asked. */
class SgemmGridTest {
    private static int rows(long grid) {
        return (int) (grid >>> 32);
    }

    private static int cols(long grid) {
        return (int) grid;
    }

    /** Whether {@code t} tasks can be cut as a power-of-two grid within the shape's register tiles. */
    private static boolean fits(int t, int rowUnits, int colUnits) {
        for (int r = 1; r <= t; r *= 2) {
            if (r <= rowUnits && t / r <= colUnits) {
                return true;
            }
        }
        return false;
    }

    @Test
    void everyGridFitsTheShapeAndUsesAsManyTasksAsFit() {
        qt().withExamples(2000)
                .forAll(integers().between(1, 3000), integers().between(1, 3000), integers().between(1, 3000),
                        integers().between(1, 4))
                .checkAssert((m, n, k, log2Tasks) -> {
                    int tasks = 1 << log2Tasks;
                    long g = Sgemm.grid(m, n, k, tasks);
                    int r = rows(g);
                    int c = cols(g);
                    int rowUnits = (m + SgemmKernel.MR - 1) / SgemmKernel.MR;
                    int colUnits = (n + SgemmKernel.NR - 1) / SgemmKernel.NR;
                    String shape = m + "x" + n + "x" + k + ", " + tasks + " tasks";
                    assertTrue(r >= 1 && c >= 1 && Integer.bitCount(r) == 1 && Integer.bitCount(c) == 1, shape);
                    assertTrue(r * c <= tasks, shape);
                    assertTrue(r * c == 1 || (r <= rowUnits && c <= colUnits), shape);
                    if (2 * r * c <= tasks) {
                        assertTrue(!fits(2 * r * c, rowUnits, colUnits), shape + ": a grid of " + 2 * r * c + " fits");
                    }
                });
    }

    /**
     * The MLP's GEMMs (batch 64): the weight gradients are cut into rows (one more packing of B is
     * cheaper than a cut through all 256 rows of C), the first layer's forward into columns (its op(B)
     * is the whole 784 x 256 weight, which a row cut would pack twice).
     */
    @Test
    void weightGradientsCutRowsAndTheWideForwardCutsColumns() {
        assertEquals(2, rows(Sgemm.grid(256, 784, 64, 2)), "784-to-256 weight gradient");
        assertEquals(2, rows(Sgemm.grid(128, 256, 64, 2)), "256-to-128 weight gradient");
        assertEquals(2, cols(Sgemm.grid(64, 256, 784, 2)), "784-to-256 forward");
        assertEquals(2, rows(Sgemm.grid(64, 256, 128, 2)), "256-to-128 input gradient");
    }

    @Test
    void tooSmallToCutIsOneBlock() {
        long g = Sgemm.grid(1, 1, 5000, 4);
        assertEquals(1, rows(g));
        assertEquals(1, cols(g));
    }
}

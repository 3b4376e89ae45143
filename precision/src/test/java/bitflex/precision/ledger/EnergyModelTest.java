package bitflex.precision.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import org.junit.jupiter.api.Test;

class EnergyModelTest {
    private final EnergyModel e = EnergyModel.horowitz45nm();

    @Test
    void publishedPointsAreExact() {
        assertEquals(0.2, e.multiplyPj(8, 8), 1e-12);
        assertEquals(3.1, e.multiplyPj(32, 32), 1e-12);
        assertEquals(0.03, e.addPj(8), 1e-12);
        assertEquals(0.1, e.addPj(32), 1e-12);
        assertEquals(4.6, e.fp32MacPj(), 1e-12);
        assertEquals(0.2 + 0.1, e.integerMacPj(8, 8), 1e-12);
        assertEquals(10.0 / 64, e.perBitPj(8 * 1024), 0);
        assertEquals(20.0 / 64, e.perBitPj(8 * 1024 + 1), 0);
        assertEquals(100.0 / 64, e.perBitPj(1024 * 1024), 0);
        assertEquals(1300.0 / 64, e.perBitPj(1024 * 1024 + 1), 0);
    }

    @Test
    void multiplyScalesRoughlyWithTheSquareAndAddWithTheWidth() {
        // The power law through both published points: exponent 1.98 for multiply, 0.87 for add.
        assertEquals(4.0, e.multiplyPj(16, 16) / e.multiplyPj(8, 8), 0.1);
        assertEquals(2.0, e.addPj(16) / e.addPj(8), 0.2);
        assertEquals(e.multiplyPj(4, 16), e.multiplyPj(8, 8), 1e-12);
    }

    @Test
    void energyGrowsWithBitwidth() {
        qt().withExamples(1000).forAll(integers().between(1, 31), integers().between(1, 32), longs().between(1, 1L << 26))
                .checkAssert((b, other, elements) -> {
                    assertTrue(e.multiplyPj(b + 1, other) > e.multiplyPj(b, other));
                    assertTrue(e.addPj(b + 1) > e.addPj(b));
                    assertTrue(e.integerMacPj(b + 1, other) > e.integerMacPj(b, other));
                    assertTrue(e.movePj(elements, b + 1) > e.movePj(elements, b));
                });
    }

    @Test
    void badWidthsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> e.multiplyPj(0, 8));
        assertThrows(IllegalArgumentException.class, () -> e.addPj(65));
        assertThrows(IllegalArgumentException.class, () -> e.withAccumulatorBits(0));
    }
}

package bitflex.precision.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.OptionalInt;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BisectionTest {

    @Test
    void monotonePredicateGivesTheBruteForceMinimum() {
        qt().withExamples(2000)
                .forAll(integers().between(-70, 40), integers().between(0, 80), integers().between(-80, 130))
                .checkAssert((lo, width, threshold) -> {
                    int hi = lo + width;
                    OptionalInt got = Bisection.smallest(lo, hi, v -> v >= threshold);
                    OptionalInt scan = OptionalInt.empty();
                    for (int v = lo; v <= hi; v++) {
                        if (v >= threshold) {
                            scan = OptionalInt.of(v);
                            break;
                        }
                    }
                    assertEquals(scan, got);
                });
    }

    @Test
    void anyPredicateGivesTheLowerEdgeOfAPassingRunUpToHi() {
        qt().withExamples(2000).forAll(longs().all(), integers().between(0, 40))
                .checkAssert((seed, width) -> {
                    boolean[] pass = new boolean[width + 1];
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int i = 0; i <= width; i++) pass[i] = r.nextBoolean();
                    OptionalInt got = Bisection.smallest(0, width, v -> pass[v]);
                    if (!pass[width]) {
                        assertTrue(got.isEmpty());
                        return;
                    }
                    int v = got.getAsInt();
                    assertTrue(pass[v]);
                    assertTrue(v == 0 || !pass[v - 1]);
                });
    }

    @Test
    void evaluatesLogarithmicallyOften() {
        int[] calls = {0};
        Bisection.smallest(0, 1023, v -> {
            calls[0]++;
            return v >= 700;
        });
        assertTrue(calls[0] <= 11, "calls " + calls[0]);
        assertFalse(Bisection.smallest(3, 3, v -> false).isPresent());
    }
}

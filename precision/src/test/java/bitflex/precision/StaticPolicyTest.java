package bitflex.precision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.fixed.FixedPointFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StaticPolicyTest {
    @Test
    void givesTheConfiguredFormatsAndNeverChangesThem() {
        FixedPointFormat conv = FixedPointFormat.signed(6, 5);
        FixedPointFormat other = FixedPointFormat.signed(8, 6);
        StaticPolicy p = new StaticPolicy(Map.of("0.weight", conv), other);
        float[] w = {0.1f, 0.2f};
        assertEquals(conv, p.register("0.weight", w));
        assertEquals(other, p.register("3.weight", w));
        for (int step = 1; step <= 5; step++) {
            p.afterBackward(step, "0.weight", w, w, 0.1);
            p.afterBackward(step, "3.weight", w, w, 0.1);
            assertTrue(p.afterStep(step, 1.0, name -> w).isEmpty());
        }
        assertEquals(conv, p.format("0.weight"));
        assertEquals(other, p.format("3.weight"));
        assertEquals(2, p.decisions().size());
        assertEquals("initial", p.decisions().get(0).kind());
        assertEquals(java.util.List.of("0.weight", "3.weight"), p.layers());
    }

    @Test
    void unlistedLayerWithoutDefaultIsAnError() {
        StaticPolicy p = new StaticPolicy(Map.of("a", FixedPointFormat.signed(8, 4)), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.register("b", new float[] {1f}));
        assertTrue(e.getMessage().contains("b"));
        assertThrows(IllegalArgumentException.class, () -> p.format("b"));
    }
}

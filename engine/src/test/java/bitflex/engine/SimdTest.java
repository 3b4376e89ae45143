package bitflex.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import bitflex.engine.simd.Simd;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("simd")
class SimdTest {
    @Test
    void forcedWidthIsHonoured() {
        String forced = System.getProperty(Simd.WIDTH_PROPERTY, "");
        if (!forced.isBlank()) {
            assertEquals(Integer.parseInt(forced), Simd.BITS);
        }
        assertEquals(Simd.BITS / 32, Simd.FLOAT.length());
        assertEquals(Simd.BITS / 8, Simd.BYTE.length());
    }
}

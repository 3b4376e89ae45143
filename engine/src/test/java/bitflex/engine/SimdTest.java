package bitflex.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void registerBudgetIsForcedOrFollowsTheHardware() {
        String forced = System.getProperty(Simd.REGISTERS_PROPERTY, "").trim();
        if (!forced.isEmpty()) {
            assertEquals(Integer.parseInt(forced), Simd.REGISTERS);
        } else {
            String arch = System.getProperty("os.arch");
            boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
            boolean avx512 = jdk.incubator.vector.VectorShape.preferredShape().vectorBitSize() >= 512;
            assertEquals(x86 && !avx512 ? 16 : 32, Simd.REGISTERS);
        }
        assertTrue(Simd.describe().contains(Simd.REGISTERS + " registers"), Simd.describe());
    }
}

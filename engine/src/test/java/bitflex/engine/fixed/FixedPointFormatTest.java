package bitflex.engine.fixed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FixedPointFormatTest {
    @Test
    void derivedQuantities() {
        FixedPointFormat f = FixedPointFormat.signed(8, 4);
        assertEquals(-128, f.minInt());
        assertEquals(127, f.maxInt());
        assertEquals(0.0625, f.step());
        assertEquals(-8.0, f.minValue());
        assertEquals(7.9375, f.maxValue());
        assertEquals(Storage.BYTE, f.storage());
        FixedPointFormat u = FixedPointFormat.unsigned(32, -64);
        assertEquals(0, u.minInt());
        assertEquals(0xFFFF_FFFFL, u.maxInt());
        assertEquals(Math.scalb(1.0, 64), u.step());
        assertEquals(Storage.SHORT, FixedPointFormat.signed(9, 0).storage());
        assertEquals(Storage.SHORT, FixedPointFormat.signed(16, 0).storage());
        assertEquals(Storage.INT, FixedPointFormat.signed(17, 0).storage());
        assertEquals(-1, FixedPointFormat.signed(1, 0).minInt());
        assertEquals(0, FixedPointFormat.signed(1, 0).maxInt());
    }

    @Test
    void invalidFormatsNameTheFieldAndRange() {
        var e = assertThrows(IllegalArgumentException.class, () -> FixedPointFormat.signed(33, 0));
        assertTrue(e.getMessage().contains("wordLength") && e.getMessage().contains("[1, 32]") && e.getMessage().contains("33"));
        e = assertThrows(IllegalArgumentException.class, () -> FixedPointFormat.signed(0, 0));
        assertTrue(e.getMessage().contains("wordLength"));
        e = assertThrows(IllegalArgumentException.class, () -> FixedPointFormat.signed(8, 65));
        assertTrue(e.getMessage().contains("fracLength") && e.getMessage().contains("[-64, 64]") && e.getMessage().contains("65"));
        e = assertThrows(IllegalArgumentException.class, () -> FixedPointFormat.signed(8, -65));
        assertTrue(e.getMessage().contains("fracLength"));
    }

    @Test
    void storageMismatchIsReported() {
        Quantizer q = Quantizer.of(FixedPointFormat.signed(12, 0));
        var e = assertThrows(IllegalArgumentException.class, () -> q.quantize("x", new float[3], 0, new byte[3], 0, 3, 0));
        assertTrue(e.getMessage().contains("SHORT") && e.getMessage().contains("BYTE"), e.getMessage());
    }
}

package bitflex.engine.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The register transposes against their definitions, element by element and bit for bit, at random
 * offsets and strides, with -0, NaN and subnormal values. They exist only for 8-lane vectors: at
 * other forced widths the tests are skipped, and the callers' scalar paths are what their own tests
 * cover.
 */
@Tag("simd")
class BlockTransposeTest {
    private static float[] values(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (r.nextInt(10)) {
                case 0 -> -0f;
                case 1 -> Float.intBitsToFloat(0x7fc00000 | r.nextInt(1 << 22)); // NaN payloads
                case 2 -> Float.MIN_VALUE * r.nextInt(100);
                default -> (r.nextFloat() * 2 - 1) * 100;
            };
        }
        return v;
    }

    private static void assertSameBits(float want, float got, String what) {
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), what + ": " + got + " instead of " + want);
    }

    @Test
    void transpose8MovesEveryValueToItsPlace() {
        assumeTrue(BlockTranspose.SUPPORTED, "8-lane vectors only");
        qt().withFixedSeed(3).withExamples(200)
                .forAll(integers().between(8, 40), integers().between(8, 40), integers().between(0, 9), longs().all())
                .checkAssert((ld, lds, off, seed) -> {
                    Random r = new Random(seed);
                    float[] src = values(r, off + 7 * ld + 8 + 3);
                    float[] dst = values(r, off + 7 * lds + 8 + 3);
                    float[] before = dst.clone();
                    float addend = r.nextBoolean() ? 0f : values(r, 1)[0];
                    boolean add = r.nextBoolean();
                    if (add) {
                        BlockTranspose.transpose8Add(src, off, ld, addend, dst, off + 1, lds);
                    } else {
                        BlockTranspose.transpose8(src, off, ld, dst, off + 1, lds);
                    }
                    boolean[] written = new boolean[dst.length];
                    for (int q = 0; q < 8; q++) {
                        for (int j = 0; j < 8; j++) {
                            float v = src[off + j * ld + q];
                            int at = off + 1 + q * lds + j;
                            if (add && Float.isNaN(v + addend)) {
                                // Java leaves a NaN sum's payload open (two NaN operands may give either)
                                assertEquals(true, Float.isNaN(dst[at]), "dst[" + at + "]: " + dst[at] + " instead of NaN");
                            } else {
                                assertSameBits(add ? v + addend : v, dst[at], "dst[" + at + "]");
                            }
                            written[at] = true;
                        }
                    }
                    for (int i = 0; i < dst.length; i++) {
                        if (!written[i]) {
                            assertSameBits(before[i], dst[i], "untouched dst[" + i + "]");
                        }
                    }
                });
    }

    @Test
    void interleave4x8PutsFourRowsSideBySide() {
        assumeTrue(BlockTranspose.SUPPORTED, "8-lane vectors only");
        qt().withFixedSeed(4).withExamples(150)
                .forAll(integers().between(8, 40), integers().between(0, 9), longs().all())
                .checkAssert((ld, off, seed) -> {
                    Random r = new Random(seed);
                    float[] src = values(r, off + 3 * ld + 8);
                    float[] dst = values(r, off + 32 + 2);
                    float[] before = dst.clone();
                    BlockTranspose.interleave4x8(src, off, ld, dst, off + 1);
                    for (int i = 0; i < dst.length; i++) {
                        int k = i - off - 1;
                        float want = k >= 0 && k < 32 ? src[off + (k % 4) * ld + k / 4] : before[i];
                        assertSameBits(want, dst[i], "dst[" + i + "]");
                    }
                });
    }
}

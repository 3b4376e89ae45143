package bitflex.engine.fixed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("simd")
class ReluKernelsTest {
    @Test
    void simdEqualsScalarTwinOverTails() {
        qt().withExamples(300).forAll(integers().between(0, 200), longs().all()).checkAssert((n, seed) -> {
            Random r = new Random(seed);
            byte[] b = new byte[n];
            short[] s = new short[n];
            int[] i = new int[n];
            for (int j = 0; j < n; j++) {
                b[j] = (byte) r.nextInt();
                s[j] = (short) r.nextInt();
                i[j] = r.nextInt();
            }
            byte[] bv = new byte[n];
            byte[] bs = new byte[n];
            ReluKernels.relu(b, bv, n);
            ReluKernels.reluScalar(b, bs, 0, n);
            assertArrayEquals(bs, bv);
            short[] sv = new short[n];
            short[] ss = new short[n];
            ReluKernels.relu(s, sv, n);
            ReluKernels.reluScalar(s, ss, 0, n);
            assertArrayEquals(ss, sv);
            int[] iv = new int[n];
            int[] is = new int[n];
            ReluKernels.relu(i, iv, n);
            ReluKernels.reluScalar(i, is, 0, n);
            assertArrayEquals(is, iv);
            for (int j = 0; j < n; j++) {
                org.junit.jupiter.api.Assertions.assertEquals(Math.max(0, i[j]), iv[j]);
            }
        });
    }
}

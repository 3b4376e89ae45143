package bitflex.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The coded form of {@link Dataset} against the float form it stands for. */
class DatasetTest {
    /** A coded set, the float set its codes decode to, and those floats (computed here, not by Dataset). */
    private record Pair(Dataset coded, Dataset floats, float[] values) {}

    /** A random coded set and the float set its codes decode to. */
    private static Pair random(SplittableRandom r) {
        int n = r.nextInt(1, 160);
        int c = r.nextInt(1, 3);
        int h = r.nextInt(1, 6);
        int w = r.nextInt(1, 6);
        int classes = r.nextInt(1, 5);
        byte[] codes = new byte[n * c * h * w];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (byte) r.nextInt(256);
        }
        float[] table = new Normalization(r.nextDouble(), 0.05 + r.nextDouble()).table();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(classes);
        }
        float[] x = new float[codes.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = table[codes[i] & 0xFF];
        }
        return new Pair(Dataset.coded("coded", codes, table, labels.clone(), c, h, w, classes),
                new Dataset("floats", x.clone(), labels.clone(), c, h, w, classes), x);
    }

    private static float[] allBatches(Dataset d, int batch, long seed, int epoch) {
        DataLoader l = new DataLoader(d, batch, true, seed, false);
        l.startEpoch(epoch);
        float[] out = new float[d.size() * d.sampleSize()];
        int at = 0;
        while (l.next()) {
            Batch b = l.batch();
            int len = b.size() * d.sampleSize();
            System.arraycopy(b.inputs(), 0, out, at, len);
            at += len;
        }
        assertEquals(out.length, at);
        return out;
    }

    @Test
    void codedAndFloatFormsGiveTheSameBatchesSlicesAndSubsets() {
        qt().withFixedSeed(29).withExamples(200).forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            Pair p = random(r);
            assertTrue(p.coded().isCoded());
            assertFalse(p.floats().isCoded());
            assertArrayEquals(p.values(), p.coded().toFloats());
            assertArrayEquals(p.values(), p.floats().toFloats());
            // Batches past the loader's 32-sample tasks are filled by more than one task.
            int batch = r.nextInt(1, 80);
            long shuffle = r.nextLong();
            int epoch = r.nextInt(3);
            assertArrayEquals(allBatches(p.floats(), batch, shuffle, epoch), allBatches(p.coded(), batch, shuffle, epoch));

            int k = r.nextInt(p.coded().size() + 1);
            Dataset head = p.coded().head(k);
            assertTrue(head.isCoded());
            int s = p.coded().sampleSize();
            assertArrayEquals(java.util.Arrays.copyOf(p.values(), k * s), head.toFloats());
            assertArrayEquals(head.toFloats(), p.floats().head(k).toFloats());

            int[] classes = {r.nextInt(p.coded().numClasses())};
            Dataset sub = ClassSubset.of(p.coded(), classes, true);
            assertTrue(sub.isCoded());
            assertArrayEquals(ClassSubset.of(p.floats(), classes, true).toFloats(), sub.toFloats());
            assertArrayEquals(ClassSubset.of(p.floats(), classes, true).labels(), sub.labels());
            float[] expected = new float[sub.size() * s];
            int at = 0;
            for (int i = 0; i < p.coded().size(); i++) {
                if (p.coded().label(i) == classes[0]) {
                    System.arraycopy(p.values(), i * s, expected, at, s);
                    at += s;
                }
            }
            assertEquals(expected.length, at);
            assertArrayEquals(expected, sub.toFloats());
        });
    }

    @Test
    void codesAreReadUnsignedAndTakeAQuarterOfTheMemory() {
        float[] table = new float[256];
        for (int i = 0; i < 256; i++) {
            table[i] = i * 0.5f;
        }
        Dataset d = Dataset.coded("d", new byte[] {0, 1, (byte) 128, (byte) 255}, table, new int[] {0, 1}, 1, 1, 2, 2);
        float[] dst = {-1, -1, -1};
        d.copySample(1, dst, 1);
        assertArrayEquals(new float[] {-1, 64f, 127.5f}, dst);
        assertEquals(4 + 4 * 256, d.imageBytes());
        assertEquals(4 * 4, new Dataset("f", d.toFloats(), new int[] {0, 1}, 1, 1, 2, 2).imageBytes());
        // The table is copied: changing the caller's array later does not change the set.
        table[0] = 99f;
        d.copySample(0, dst, 0);
        assertEquals(0f, dst[0]);
    }

    @Test
    void badArgumentsAreNamed() {
        float[] table = new float[256];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.coded("short", new byte[2], new float[255], new int[] {0}, 1, 1, 2, 1));
        assertTrue(e.getMessage().contains("short") && e.getMessage().contains("256 values, got 255"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.coded("size", new byte[3], table, new int[] {0}, 1, 1, 2, 1));
        assertTrue(e.getMessage().contains("need 2 image values, got 3"), e.getMessage());
        Dataset d = Dataset.coded("d", new byte[4], table, new int[] {0, 0}, 1, 1, 2, 1);
        IndexOutOfBoundsException o = assertThrows(IndexOutOfBoundsException.class, () -> d.copySample(2, new float[2], 0));
        assertTrue(o.getMessage().contains("sample 2 is outside [0, 2)"), o.getMessage());
        o = assertThrows(IndexOutOfBoundsException.class, () -> d.copySample(0, new float[2], 1));
        assertTrue(o.getMessage().contains("Dataset d: a sample's 2 values do not fit at offset 1 of an array of 2"),
                o.getMessage());
        Dataset f = new Dataset("f", new float[4], new int[] {0, 0}, 1, 1, 2, 1);
        o = assertThrows(IndexOutOfBoundsException.class, () -> f.copySample(1, new float[3], 2));
        assertTrue(o.getMessage().contains("Dataset f: a sample's 2 values do not fit at offset 2 of an array of 3"),
                o.getMessage());
    }
}

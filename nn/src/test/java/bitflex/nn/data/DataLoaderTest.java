package bitflex.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
    /** 10 samples of 1x1x2: sample i holds (i, -i), label i % 3. */
    static Dataset tiny() {
        return numbered(10);
    }

    /** n samples of 1x1x2: sample i holds (i, -i), label i % 3. */
    static Dataset numbered(int n) {
        float[] x = new float[2 * n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            y[i] = i % 3;
        }
        return new Dataset("tiny", x, y, 1, 1, 2, 3);
    }

    private static List<Integer> epochOrder(DataLoader l, int epoch) {
        List<Integer> seen = new ArrayList<>();
        l.startEpoch(epoch);
        while (l.next()) {
            Batch b = l.batch();
            for (int i = 0; i < b.size(); i++) {
                int idx = (int) b.inputs()[2 * i];
                assertEquals(-idx, b.inputs()[2 * i + 1]);
                assertEquals(idx % 3, b.labels()[i]);
                seen.add(idx);
            }
        }
        return seen;
    }

    @Test
    void sequentialKeepsLastShortBatch() {
        DataLoader l = new DataLoader(tiny(), 4, false, 0, false);
        assertEquals(3, l.batchesPerEpoch());
        assertEquals(10, l.samplesPerEpoch());
        l.startEpoch(0);
        int[] sizes = new int[3];
        for (int i = 0; i < 3; i++) {
            assertTrue(l.next());
            sizes[i] = l.batch().size();
        }
        assertFalse(l.next());
        assertArrayEquals(new int[] {4, 4, 2}, sizes);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), epochOrder(l, 0));
    }

    @Test
    void batchesFilledBySeveralTasksKeepEverySampleInItsRow() {
        // 70 samples a batch are three fill tasks (32 + 32 + 6); epochOrder checks every row.
        DataLoader l = new DataLoader(numbered(300), 70, true, 5, false);
        List<Integer> seen = epochOrder(l, 1);
        List<Integer> sorted = new ArrayList<>(seen);
        sorted.sort(null);
        assertEquals(java.util.stream.IntStream.range(0, 300).boxed().toList(), sorted);
        assertNotEquals(sorted, seen);
    }

    @Test
    void dropLast() {
        DataLoader l = new DataLoader(tiny(), 4, true, 1, true);
        assertEquals(2, l.batchesPerEpoch());
        assertEquals(8, l.samplesPerEpoch());
        assertEquals(8, epochOrder(l, 0).size());
    }

    @Test
    void shuffleIsAPermutationSeededPerEpoch() {
        DataLoader a = new DataLoader(tiny(), 3, true, 42, false);
        DataLoader b = new DataLoader(tiny(), 3, true, 42, false);
        List<Integer> e0 = epochOrder(a, 0);
        List<Integer> e1 = epochOrder(a, 1);
        List<Integer> sorted = new ArrayList<>(e0);
        sorted.sort(null);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), sorted);
        assertNotEquals(e0, e1);
        // Epoch 1's order does not depend on epoch 0 having run.
        assertEquals(e1, epochOrder(b, 1));
        assertEquals(e0, epochOrder(b, 0));
        assertNotEquals(e0, epochOrder(new DataLoader(tiny(), 3, true, 43, false), 0));
    }

    @Test
    void resumeMidEpochSeesTheSameBatches() {
        DataLoader a = new DataLoader(tiny(), 3, true, 7, false);
        List<Integer> full = epochOrder(a, 2);
        DataLoader b = new DataLoader(tiny(), 3, true, 7, false);
        b.startEpoch(2, 2);
        List<Integer> rest = new ArrayList<>();
        while (b.next()) {
            for (int i = 0; i < b.batch().size(); i++) {
                rest.add((int) b.batch().inputs()[2 * i]);
            }
        }
        assertEquals(full.subList(6, 10), rest);
    }

    @Test
    void batchBuffersAreReused() {
        DataLoader l = new DataLoader(tiny(), 4, true, 3, false);
        l.startEpoch(0);
        l.next();
        Batch first = l.batch();
        float[] in = first.inputs();
        l.next();
        assertSame(first, l.batch());
        assertSame(in, l.batch().inputs());
        assertEquals(8, in.length);
    }

    @Test
    void badArguments() {
        assertThrows(IllegalArgumentException.class, () -> new DataLoader(tiny(), 0, false, 0, false));
        DataLoader l = new DataLoader(tiny(), 4, false, 0, false);
        assertThrows(IllegalStateException.class, l::next);
        assertThrows(IllegalArgumentException.class, () -> l.startEpoch(0, 4));
    }

    @Test
    void classSubsetKeepsAndRemaps() {
        Dataset d = tiny();
        Dataset s = ClassSubset.of(d, new int[] {2, 0}, true);
        assertEquals(2, s.numClasses());
        // labels 0 (i=0,3,6,9) and 2 (i=2,5,8) kept in order; class 2 -> 0, class 0 -> 1
        assertArrayEquals(new int[] {1, 0, 1, 0, 1, 0, 1}, s.labels());
        assertArrayEquals(new float[] {0, 0, 2, -2, 3, -3}, Arrays.copyOf(s.toFloats(), 6));
        Dataset k = ClassSubset.of(d, new int[] {1}, false);
        assertEquals(3, k.numClasses());
        assertArrayEquals(new int[] {1, 1, 1}, k.labels());
        assertArrayEquals(new int[] {0, 2}, ClassSubset.complement(3, new int[] {1}));
        assertThrows(IllegalArgumentException.class, () -> ClassSubset.of(d, new int[] {3}, true));
        assertThrows(IllegalArgumentException.class, () -> ClassSubset.of(d, new int[] {1, 1}, true));
        assertThrows(IllegalArgumentException.class, () -> ClassSubset.of(d, new int[0], true));
    }
}

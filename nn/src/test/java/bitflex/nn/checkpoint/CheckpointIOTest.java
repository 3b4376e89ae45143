package bitflex.nn.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointIOTest {
    @TempDir
    Path dir;

    static Checkpoint sample() {
        float[] w = new float[2 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i) * 1e-3f;
        }
        w[5] = Float.NaN;
        return new Checkpoint()
                .putString("meta.model", "lenet5 — ünïcode")
                .putFloats("model.0.weight", new int[] {2, 3}, w)
                .putFloats("model.0.bias", new int[] {2}, new float[] {-0f, Float.MIN_VALUE})
                .putInts("labels", new int[] {4}, new int[] {1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE})
                .putLongs("empty", new int[] {0, 3}, new long[0])
                .putLong("trainer.step", 1L << 40);
    }

    @Test
    void roundTripIsExact() throws IOException {
        Path p = dir.resolve("a.ckpt");
        Checkpoint c = sample();
        CheckpointIO.write(p, c);
        Checkpoint r = CheckpointIO.read(p);
        assertEquals(c, r);
        assertEquals(Arrays.asList(c.names().toArray()), Arrays.asList(r.names().toArray()));
        assertArrayEquals(new int[] {2, 3}, r.shape("model.0.weight"));
        assertEquals(Float.floatToRawIntBits(c.floats("model.0.weight")[5]), Float.floatToRawIntBits(r.floats("model.0.weight")[5]));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(r.floats("model.0.bias")[0]));
        assertEquals(1L << 40, r.getLong("trainer.step"));
        assertEquals("lenet5 — ünïcode", r.string("meta.model"));
        assertArrayEquals(new int[] {0, 3}, r.shape("empty"));
        // Writing again replaces the file and leaves no temporary files behind.
        CheckpointIO.write(p, new Checkpoint().putLong("x", 1));
        assertEquals(1, CheckpointIO.read(p).getLong("x"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void checkpointIsASnapshot() {
        float[] w = {1, 2};
        Checkpoint c = new Checkpoint().putFloats("w", new int[] {2}, w);
        w[0] = 9;
        assertEquals(1f, c.floats("w")[0]);
        c.floats("w")[1] = 9;
        assertEquals(2f, c.floats("w")[1]);
        assertThrows(IllegalArgumentException.class, () -> c.ints("w"));
        assertThrows(IllegalArgumentException.class, () -> c.floats("nope"));
        assertThrows(IllegalArgumentException.class, () -> new Checkpoint().putFloats("x", new int[] {3}, new float[2]));
    }

    @Test
    void everyFlippedByteIsRefused() throws IOException {
        Path p = dir.resolve("b.ckpt");
        CheckpointIO.write(p, sample());
        byte[] good = Files.readAllBytes(p);
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= (byte) (1 << (i % 8));
            Files.write(p, bad);
            CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointIO.read(p), "byte " + i);
            assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
            String m = e.getMessage();
            if (i < CheckpointIO.MAGIC.length) {
                assertTrue(m.contains("wrong magic number"), m);
            } else if (i < CheckpointIO.MAGIC.length + 4) {
                assertTrue(m.contains("unsupported checkpoint format version"), m);
            } else if (i >= CheckpointIO.HEADER) {
                assertTrue(m.contains("checksum mismatch"), m);
            }
        }
    }

    @Test
    void everyTruncationIsRefused() throws IOException {
        Path p = dir.resolve("c.ckpt");
        CheckpointIO.write(p, sample());
        byte[] good = Files.readAllBytes(p);
        for (int len = 0; len < good.length; len++) {
            Files.write(p, Arrays.copyOf(good, len));
            CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointIO.read(p), "length " + len);
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
        Files.write(p, Arrays.copyOf(good, good.length + 1));
        assertThrows(CheckpointException.class, () -> CheckpointIO.read(p));
    }

    @Test
    void newerVersionIsRefusedByName() throws IOException {
        Path p = dir.resolve("v.ckpt");
        CheckpointIO.write(p, sample());
        byte[] b = Files.readAllBytes(p);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(CheckpointIO.MAGIC.length, 2);
        Files.write(p, b);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointIO.read(p));
        assertTrue(e.getMessage().contains("unsupported checkpoint format version 2 (this build reads version 1)"), e.getMessage());
    }

    @Test
    void failedWriteLeavesOldFileIntact() throws IOException {
        Path p = dir.resolve("d.ckpt");
        Checkpoint old = new Checkpoint().putLong("generation", 1);
        CheckpointIO.write(p, old);
        byte[] before = Files.readAllBytes(p);
        for (long failAt : new long[] {0, 5, 30, 100}) {
            assertThrows(IOException.class, () -> CheckpointIO.write(p, sample(), failAt));
            assertArrayEquals(before, Files.readAllBytes(p));
            assertEquals(old, CheckpointIO.read(p));
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(1, files.count(), "the temporary file is removed");
            }
        }
    }

    @Test
    void missingFileAndDirectory() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointIO.read(dir.resolve("none")));
        assertTrue(e.getMessage().contains("no such checkpoint file"));
        assertThrows(CheckpointException.class, () -> CheckpointIO.write(dir.resolve("x/y.ckpt"), sample()));
    }
}

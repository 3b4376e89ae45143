package bitflex.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) 8).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(bos)) {
            g.write(raw);
        }
        return bos.toByteArray();
    }

    private Path file(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static byte[] seq(int n) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i++) {
            d[i] = (byte) (i * 7 + 200);
        }
        return d;
    }

    @Test
    void readsRawAndGzipAlike() throws IOException {
        byte[] data = seq(2 * 3 * 4);
        byte[] raw = idx(new int[] {2, 3, 4}, data);
        IdxArray a = IdxReader.read(file("raw-images", raw));
        IdxArray b = IdxReader.read(file("images.gz", gzip(raw)));
        // The name does not decide: a gzipped file without .gz and a raw one with it work too.
        IdxArray c = IdxReader.read(file("images-noext", gzip(raw)));
        IdxArray d = IdxReader.read(file("raw.gz", raw));
        for (IdxArray x : new IdxArray[] {a, b, c, d}) {
            assertArrayEquals(new int[] {2, 3, 4}, x.dims());
            assertArrayEquals(data, x.data());
            assertEquals(2, x.count());
            assertEquals(12, x.itemSize());
        }
        assertEquals((data[5] & 0xFF), a.unsigned(5));
    }

    @Test
    void wrongMagicNamesFileAndNumber() throws IOException {
        byte[] raw = idx(new int[] {3}, seq(3));
        raw[1] = 0x12;
        Path p = file("bad-magic", raw);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(p));
        assertTrue(e.getMessage().contains("bad-magic"), e.getMessage());
        assertTrue(e.getMessage().contains("wrong magic number 0x00120801"), e.getMessage());
    }

    @Test
    void headerWhoseSizeWouldWrapIsRefused() throws IOException {
        // 60000 * 2^30 * 2^29 wraps a long product to 0: without a per-factor check it passes as empty.
        Path p = file("huge-header", idx(new int[] {60000, 1 << 30, 1 << 29}, new byte[0]));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(p));
        assertTrue(e.getMessage().contains("huge-header"), e.getMessage());
        assertTrue(e.getMessage().contains("more bytes than an array can hold"), e.getMessage());
    }

    @Test
    void unsupportedTypeIsNamed() throws IOException {
        byte[] raw = idx(new int[] {3}, seq(3));
        raw[2] = 0x0D;
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(file("floats", raw)));
        assertTrue(e.getMessage().contains("unsupported IDX element type 0x0D"), e.getMessage());
    }

    @Test
    void truncatedDataRawAndGzip() throws IOException {
        byte[] raw = idx(new int[] {4, 5}, seq(20));
        byte[] cut = Arrays.copyOf(raw, raw.length - 3);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(file("cut", cut)));
        assertTrue(e.getMessage().contains("cut: truncated file"), e.getMessage());
        assertTrue(e.getMessage().contains("need 20 bytes of data, the file has only 17"), e.getMessage());

        byte[] gz = gzip(raw);
        byte[] gzCut = Arrays.copyOf(gz, gz.length - 12);
        IdxFormatException g = assertThrows(IdxFormatException.class, () -> IdxReader.read(file("cut.gz", gzCut)));
        assertTrue(g.getMessage().startsWith(dir.resolve("cut.gz") + ": truncated"), g.getMessage());
    }

    /** A stream that hands out at most 5 bytes per read, as a slow pipe or a gzip stream may. */
    private static InputStream trickle(byte[] content) {
        return new InputStream() {
            private int at;

            @Override
            public int read() {
                return at < content.length ? content[at++] & 0xFF : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (len == 0) {
                    return 0;
                }
                if (at == content.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, 5), content.length - at);
                System.arraycopy(content, at, b, off, n);
                at += n;
                return n;
            }
        };
    }

    @Test
    void dataArrayGrowsFromItsFirstAllocationToTheDeclaredSize() throws IOException {
        byte[] content = seq(20);
        for (int first : new int[] {1, 3, 7, 20, 64}) {
            assertArrayEquals(content, IdxReader.readData(trickle(content), 20, first), "first allocation " + first);
            // the stream ends early: exactly what was there, however the array grew
            assertArrayEquals(Arrays.copyOf(content, 13), IdxReader.readData(trickle(Arrays.copyOf(content, 13)), 20, first),
                    "first allocation " + first);
            // bytes past the declared size stay in the stream (the caller reports them)
            InputStream more = trickle(content);
            assertArrayEquals(Arrays.copyOf(content, 12), IdxReader.readData(more, 12, first));
            assertEquals(8, more.readAllBytes().length);
        }
        assertEquals(0, IdxReader.readData(trickle(content), 0, 4).length);
    }

    @Test
    void headerClaimingFarMoreThanTheFileIsATruncationNotAnAllocationOfTheClaim() throws IOException {
        // 16 x 4096 x 4096 = 256 MB announced, 100 bytes present: one 64 MB array, then the error
        byte[] raw = idx(new int[] {16, 4096, 4096}, seq(100));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(file("huge", raw)));
        assertTrue(e.getMessage().contains("need 268435456 bytes of data, the file has only 100"), e.getMessage());
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] raw = idx(new int[] {4, 5, 6}, seq(120));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(file("h", Arrays.copyOf(raw, 9))));
        assertTrue(e.getMessage().contains("truncated file (the header announces 3 dimensions"), e.getMessage());
        IdxFormatException m = assertThrows(IdxFormatException.class, () -> IdxReader.read(file("m", Arrays.copyOf(raw, 2))));
        assertTrue(m.getMessage().contains("truncated"), m.getMessage());
        IdxFormatException z = assertThrows(IdxFormatException.class, () -> IdxReader.read(file("z", new byte[0])));
        assertTrue(z.getMessage().contains("empty file"), z.getMessage());
    }

    @Test
    void trailingBytesAreASizeMismatch() throws IOException {
        byte[] raw = idx(new int[] {2, 2}, seq(6));
        raw = idx(new int[] {2, 2}, seq(4));
        byte[] longer = Arrays.copyOf(raw, raw.length + 5);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(file("long", longer)));
        assertTrue(e.getMessage().contains("size mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains("need 4 bytes of data, the file has 9"), e.getMessage());
    }

    @Test
    void corruptGzip() throws IOException {
        byte[] gz = gzip(idx(new int[] {50}, seq(50)));
        for (int i = 12; i < gz.length - 8; i++) {
            gz[i] ^= (byte) 0x5A;
        }
        Path p = file("corrupt.gz", gz);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        Path p = dir.resolve("nope");
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(p));
        assertTrue(e.getMessage().contains("nope: no such file"), e.getMessage());
    }

    @Test
    void datasetChecksCountsAndNormalises() throws IOException {
        IdxArray images = IdxReader.read(file("imgs", idx(new int[] {3, 2, 2}, new byte[] {0, (byte) 255, 51, 102,
            0, 0, 0, 0, (byte) 255, (byte) 255, (byte) 255, (byte) 255})));
        IdxArray labels = IdxReader.read(file("lbls", idx(new int[] {3}, new byte[] {1, 0, 9})));
        Dataset d = Dataset.fromIdx("t", images, labels, 10, new Normalization(0.5, 0.25));
        assertEquals(3, d.size());
        assertEquals(4, d.sampleSize());
        assertEquals((float) ((0 - 0.5) / 0.25), d.toFloats()[0]);
        assertEquals((float) ((1 - 0.5) / 0.25), d.toFloats()[1]);
        assertEquals((float) ((0.2 - 0.5) / 0.25), d.toFloats()[2], 1e-6f);
        assertArrayEquals(new int[] {1, 0, 9}, d.labels());

        IdxArray fewer = IdxReader.read(file("lbls2", idx(new int[] {2}, new byte[] {1, 0})));
        IdxFormatException e = assertThrows(IdxFormatException.class,
                () -> Dataset.fromIdx("t", images, fewer, 10, Normalization.UNIT));
        assertTrue(e.getMessage().contains("has 3 images but " + dir.resolve("lbls2") + " has 2 labels"), e.getMessage());

        IdxArray bigLabel = IdxReader.read(file("lbls3", idx(new int[] {3}, new byte[] {1, 0, 10})));
        assertThrows(IdxFormatException.class, () -> Dataset.fromIdx("t", images, bigLabel, 10, Normalization.UNIT));
        assertThrows(IdxFormatException.class, () -> Dataset.fromIdx("t", labels, labels, 10, Normalization.UNIT));
    }
}

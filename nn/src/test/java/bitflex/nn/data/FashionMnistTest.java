package bitflex.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @Test
    void bundledSubsetLoads() throws IOException {
        FashionMnist.Splits s = FashionMnist.loadBundled(Normalization.FASHION_MNIST);
        assertEquals(FashionMnist.BUNDLED_TRAIN, s.train().size());
        assertEquals(FashionMnist.BUNDLED_TEST, s.test().size());
        assertEquals(784, s.train().sampleSize());
        assertTrue(s.bundled());
        assertTrue(s.note().contains(FashionMnist.INSTALL_COMMAND), s.note());
        for (int c : s.train().classCounts()) {
            assertTrue(c > 800, "every class is represented in the subset");
        }
    }

    @Test
    void missingDataDirIsAnError(@TempDir Path dir) {
        Path nope = dir.resolve("nope");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FashionMnist.load(nope));
        assertTrue(e.getMessage().contains(nope + ": no such directory"), e.getMessage());
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class, () -> FashionMnist.load(dir));
        assertTrue(m.getMessage().contains("missing train-images-idx3-ubyte"), m.getMessage());
    }

    @Test
    void dataDirWithRawFiles(@TempDir Path dir) throws IOException {
        byte[] img = IdxReaderTest.idx(new int[] {2, 28, 28}, new byte[2 * 784]);
        byte[] lbl = IdxReaderTest.idx(new int[] {2}, new byte[] {3, 4});
        Files.write(dir.resolve("train-images-idx3-ubyte"), img);
        Files.write(dir.resolve("train-labels-idx1-ubyte"), lbl);
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), IdxReaderTest.gzip(img));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), IdxReaderTest.gzip(lbl));
        FashionMnist.Splits s = FashionMnist.load(dir);
        assertEquals(2, s.train().size());
        assertEquals(4, s.test().label(1));
        assertNull(s.note());
    }
}

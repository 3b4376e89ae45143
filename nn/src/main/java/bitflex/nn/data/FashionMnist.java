package bitflex.nn.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds and loads Fashion-MNIST (Zalando, MIT licence): 28x28 grey images of 10 clothing classes.
 *
 * <p>Where it looks, in order: the directory the user gave (which must exist), then
 * {@value #SYSTEM_DIR} (Debian package {@code dataset-fashion-mnist}), then a small subset bundled
 * with this module (the first {@value #BUNDLED_TRAIN} training and {@value #BUNDLED_TEST} test
 * images of the same files), in which case {@link Splits#note()} says so and how to install the
 * full set. In a directory each file may be gzipped ({@code .gz}) or raw.
 */
public final class FashionMnist {
    /** Where Debian's {@code dataset-fashion-mnist} installs the files. */
    public static final String SYSTEM_DIR = "/usr/share/datasets/fashion-mnist";
    /** System property that replaces {@link #SYSTEM_DIR} (for tests of the fallback, or other layouts). */
    public static final String SYSTEM_DIR_PROPERTY = "bitflex.fashion-mnist.dir";
    /** How to get the full data set. */
    public static final String INSTALL_COMMAND = "sudo apt-get install dataset-fashion-mnist";
    /** Training images in the bundled subset. */
    public static final int BUNDLED_TRAIN = 10_000;
    /** Test images in the bundled subset. */
    public static final int BUNDLED_TEST = 2_000;
    /** Number of classes. */
    public static final int CLASSES = 10;
    /** The class names, by label. */
    public static final String[] CLASS_NAMES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
        "Sneaker", "Bag", "Ankle boot"};

    static final String RESOURCE_DIR = "/bitflex/nn/data/fashion-mnist/";
    static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    private FashionMnist() {}

    /**
     * The training and test sets and where they came from.
     *
     * @param source a directory, or "bundled subset"
     * @param note   a message for the user when the bundled subset was used, else null
     */
    public record Splits(Dataset train, Dataset test, String source, String note) {
        public boolean bundled() {
            return note != null;
        }
    }

    /** Loads with the standard Fashion-MNIST normalisation. */
    public static Splits load(Path dataDir) throws IOException {
        return load(dataDir, Normalization.FASHION_MNIST);
    }

    /**
     * Loads from {@code dataDir} if it is not null (it must exist and hold the four files), else
     * from {@value #SYSTEM_DIR} if that holds them, else from the bundled subset.
     */
    public static Splits load(Path dataDir, Normalization norm) throws IOException {
        if (dataDir != null) {
            if (!Files.isDirectory(dataDir)) {
                throw new IllegalArgumentException("--data " + dataDir + ": no such directory");
            }
            return loadDir(dataDir, norm);
        }
        Path system = Path.of(System.getProperty(SYSTEM_DIR_PROPERTY, SYSTEM_DIR));
        if (hasAll(system)) {
            return loadDir(system, norm);
        }
        return loadBundled(norm);
    }

    /** Loads the subset bundled with this module, whatever is installed. */
    public static Splits loadBundled(Normalization norm) throws IOException {
        Dataset train = Dataset.fromIdx("fashion-mnist train (bundled subset)", resource(TRAIN_IMAGES), resource(TRAIN_LABELS),
                CLASSES, norm);
        Dataset test = Dataset.fromIdx("fashion-mnist test (bundled subset)", resource(TEST_IMAGES), resource(TEST_LABELS),
                CLASSES, norm);
        String note = String.format(java.util.Locale.ROOT, "note: Fashion-MNIST is not installed; using the subset bundled with bitflex (%,d training, %,d test"
                + " images). For the full set (60,000 + 10,000): %s", train.size(), test.size(), INSTALL_COMMAND);
        return new Splits(train, test, "bundled subset", note);
    }

    private static IdxArray resource(String base) throws IOException {
        String path = RESOURCE_DIR + base + ".gz";
        InputStream in = FashionMnist.class.getResourceAsStream(path);
        if (in == null) {
            throw new IOException("bundled Fashion-MNIST resource " + path + " is missing from the bitflex-nn jar");
        }
        try (in) {
            return IdxReader.read(in, "bundled " + base + ".gz");
        }
    }

    private static boolean hasAll(Path dir) {
        for (String f : new String[] {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS}) {
            if (find(dir, f) == null) {
                return false;
            }
        }
        return true;
    }

    private static Path find(Path dir, String base) {
        for (Path p : new Path[] {dir.resolve(base + ".gz"), dir.resolve(base), dir.resolve(base.replace("-idx", ".idx"))}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static Path require(Path dir, String base) {
        Path p = find(dir, base);
        if (p == null) {
            throw new IllegalArgumentException("--data " + dir + ": missing " + base + ".gz (or " + base + ")");
        }
        return p;
    }

    private static Splits loadDir(Path dir, Normalization norm) throws IOException {
        Path trI = require(dir, TRAIN_IMAGES);
        Path trL = require(dir, TRAIN_LABELS);
        Path teI = require(dir, TEST_IMAGES);
        Path teL = require(dir, TEST_LABELS);
        Dataset train = Dataset.fromIdx("fashion-mnist train", IdxReader.read(trI), IdxReader.read(trL), CLASSES, norm);
        Dataset test = Dataset.fromIdx("fashion-mnist test", IdxReader.read(teI), IdxReader.read(teL), CLASSES, norm);
        return new Splits(train, test, dir.toString(), null);
    }
}

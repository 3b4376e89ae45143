package bitflex.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The top-level command: every subcommand is listed and reachable, whichever ones it registered. */
class MainTest {
    private static final String[] SUBCOMMANDS = {"train", "eval", "compare", "report", "bench"};

    @Test
    void helpListsEverySubcommand() {
        TrainCommandTest.Run r = TrainCommandTest.run("--help");
        assertEquals(0, r.code(), r.err());
        for (String name : SUBCOMMANDS) {
            assertTrue(r.out().contains("\n  " + name + " "), name + " missing from:\n" + r.out());
        }
    }

    @Test
    void eachSubcommandAnswersItsOwnHelp() {
        for (String name : SUBCOMMANDS) {
            TrainCommandTest.Run r = TrainCommandTest.run(name, "--help");
            assertEquals(0, r.code(), name + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: bitflex " + name), name + ":\n" + r.out());
        }
    }

    @Test
    void aMistypedSubcommandIsAnErrorThatPointsToTheHelp() {
        TrainCommandTest.Run r = TrainCommandTest.run("trian");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("'trian'") && r.err().contains("bitflex --help"), r.err());
    }

    @Test
    void runningOutOfHeapIsOneLineThatSaysHowToGetMore(@TempDir Path dir) throws IOException, InterruptedException {
        // A 24 MB training-image file under a 16 MB heap: the reader cannot hold it.
        int n = 30_000;
        writeIdx(dir.resolve("train-images-idx3-ubyte"), new int[] {n, 28, 28}, 0x08, 3);
        writeIdx(dir.resolve("train-labels-idx1-ubyte"), new int[] {n}, 0x08, 1);
        writeIdx(dir.resolve("t10k-images-idx3-ubyte"), new int[] {10, 28, 28}, 0x08, 3);
        writeIdx(dir.resolve("t10k-labels-idx1-ubyte"), new int[] {10}, 0x08, 1);
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(List.of(java, "-Xmx16m", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "train", "--model", "mlp", "--data", dir.toString()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not finish");
        assertEquals(1, p.exitValue(), err);
        assertTrue(err.contains("bitflex: out of memory (Java heap space) with a Java heap limit of")
                && err.contains("BITFLEX_JAVA_OPTS=-Xmx"), err);
        assertTrue(!err.contains("\tat "), "a stack trace:\n" + err);
    }

    @Test
    void theOutOfMemoryLineSuggestsAtLeastTwiceTheLimit() {
        String s = Main.outOfMemory(new OutOfMemoryError("Java heap space"), 1024L << 20);
        assertEquals("bitflex: out of memory (Java heap space) with a Java heap limit of 1024 MB; give the JVM more,"
                + " for example BITFLEX_JAVA_OPTS=-Xmx2048m", s);
    }

    /** An IDX file of the given dims: magic 0x0000 type rank, big-endian sizes, then zero bytes. */
    private static void writeIdx(Path f, int[] dims, int type, int rank) throws IOException {
        long values = 1;
        for (int d : dims) {
            values *= d;
        }
        java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(4 + 4 * rank);
        h.putInt(type << 8 | rank);
        for (int d : dims) {
            h.putInt(d);
        }
        Files.write(f, h.array());
        Files.write(f, new byte[(int) values], StandardOpenOption.APPEND);
    }
}

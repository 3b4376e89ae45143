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
        writeIdx(dir.resolve("train-images-idx3-ubyte"), n, 28, 28);
        writeIdx(dir.resolve("train-labels-idx1-ubyte"), n);
        writeIdx(dir.resolve("t10k-images-idx3-ubyte"), 10, 28, 28);
        writeIdx(dir.resolve("t10k-labels-idx1-ubyte"), 10);
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path errFile = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(List.of(java, "-Xmx16m", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "train", "--model", "mlp", "--data", dir.toString()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(errFile.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the 16 MB JVM did not finish in 120 s");
        }
        String err = Files.readString(errFile, StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), err);
        assertTrue(err.contains("bitflex: out of memory (Java heap space) with ") && err.contains(" MB of Java heap;")
                && err.contains("BITFLEX_JAVA_OPTS=-Xmx512m"), err);
        assertTrue(!err.contains("\tat "), "a stack trace:\n" + err);
    }

    @Test
    void theOutOfMemoryLineSuggestsTwiceTheHeapAndAtLeast512Mb() {
        OutOfMemoryError heap = new OutOfMemoryError("Java heap space");
        assertEquals("bitflex: out of memory (Java heap space) with 1024 MB of Java heap; give the JVM more,"
                + " for example BITFLEX_JAVA_OPTS=-Xmx2048m", Main.outOfMemory(heap, 1024L << 20));
        assertTrue(Main.outOfMemory(heap, 61L << 20).endsWith("with 61 MB of Java heap; give the JVM more, for example"
                + " BITFLEX_JAVA_OPTS=-Xmx512m"));
    }

    @Test
    void otherKindsOfOutOfMemoryGetNoHeapAdvice() {
        assertEquals("bitflex: out of memory (Metaspace)", Main.outOfMemory(new OutOfMemoryError("Metaspace"), 1L << 30));
        assertEquals("bitflex: out of memory (OutOfMemoryError)", Main.outOfMemory(new OutOfMemoryError(), 1L << 30));
    }

    /** An IDX file of unsigned bytes (type 0x08) of the given dims, all zero. */
    private static void writeIdx(Path f, int... dims) throws IOException {
        long values = 1;
        for (int d : dims) {
            values *= d;
        }
        java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(4 + 4 * dims.length);
        h.putInt(0x08 << 8 | dims.length);
        for (int d : dims) {
            h.putInt(d);
        }
        Files.write(f, h.array());
        Files.write(f, new byte[(int) values], StandardOpenOption.APPEND);
    }
}

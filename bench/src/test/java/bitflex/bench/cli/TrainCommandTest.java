package bitflex.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train and eval commands end to end on a small slice, and their one-line errors. */
class TrainCommandTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void trainWritesJsonAndCheckpointThatEvalReads(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("r.json");
        Path ck = dir.resolve("m.ckpt");
        Run r = run("train", "--model", "mlp", "--train-size", "640", "--batch", "32", "--threads", "1", "--seed", "3",
                "--json", json.toString(), "--checkpoint", ck.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("test accuracy: "), r.out());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        for (String k : new String[] {"model", "epochs", "batch", "threads", "seed", "samples_per_s", "wall_s", "test_acc"}) {
            assertTrue(j.has(k), k);
        }
        assertEquals("mlp", j.get("model").asText());
        assertEquals(32, j.get("batch").asInt());
        assertTrue(j.get("test_acc").asDouble() > 0.5, "accuracy " + j.get("test_acc"));
        // one end time per step (640 images, batch 32), increasing, within the training time
        JsonNode ends = j.get("step_end_s");
        assertEquals(20, ends.size(), ends.toString());
        for (int i = 1; i < ends.size(); i++) {
            assertTrue(ends.get(i).asDouble() > ends.get(i - 1).asDouble(), ends.toString());
        }
        assertTrue(ends.get(0).asDouble() > 0 && ends.get(19).asDouble() <= j.get("wall_s").asDouble() + 1, ends.toString());

        Run e = run("eval", "--checkpoint", ck.toString(), "--threads", "1");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains(String.format("test accuracy %.2f%%", 100 * j.get("test_acc").asDouble())), e.out());

        // Resuming a finished run with one more epoch trains exactly one more.
        Run more = run("train", "--resume", ck.toString(), "--epochs", "2", "--train-size", "640", "--threads", "1");
        assertEquals(0, more.code(), more.err());
        assertTrue(more.out().contains("resuming at epoch 2 of 2"), more.out());
        Run clash = run("train", "--resume", ck.toString(), "--model", "lenet5");
        assertEquals(2, clash.code());
        assertTrue(clash.err().contains("--model lenet5 differs from the checkpoint's mlp"), clash.err());
        // The training set is part of the run: the checkpoint supplies --train-size and refuses another.
        Run otherData = run("train", "--resume", ck.toString(), "--epochs", "3", "--train-size", "320");
        assertEquals(2, otherData.code());
        assertTrue(otherData.err().contains("--train-size 320 differs from the checkpoint's 640"), otherData.err());
        Run sameData = run("train", "--resume", ck.toString(), "--epochs", "3", "--threads", "1");
        assertEquals(0, sameData.code(), sameData.err());
        assertTrue(sameData.out().contains("resuming at epoch 2 of 3"), sameData.out());
    }

    @Test
    void fallsBackToTheBundledSubsetAndSaysHowToInstallTheFullSet(@TempDir Path dir) {
        String key = bitflex.nn.data.FashionMnist.SYSTEM_DIR_PROPERTY;
        String old = System.getProperty(key);
        System.setProperty(key, dir.resolve("not-installed").toString());
        try {
            Run r = run("train", "--model", "mlp", "--train-size", "256", "--threads", "1");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("using the subset bundled with bitflex (10,000 training, 2,000 test images)"), r.out());
            assertTrue(r.out().contains("sudo apt-get install dataset-fashion-mnist"), r.out());
        } finally {
            if (old == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, old);
            }
        }
    }

    @Test
    void errorsAreOneLineWithoutStackTrace(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.ckpt");
        Files.write(bad, new byte[] {1, 2, 3});
        String[][] cases = {
            {"train", "--data", dir.resolve("nope").toString()},
            {"train", "--model", "vgg"},
            {"train", "--optimizer", "lbfgs"},
            {"train", "--epochs", "0"},
            {"train", "--bogus"},
            {"eval", "--checkpoint", bad.toString()},
            {"eval", "--checkpoint", dir.resolve("none.ckpt").toString()},
            {"compare", "--model", "resnet20"},
        };
        for (String[] c : cases) {
            Run r = run(c);
            assertTrue(r.code() != 0, String.join(" ", c) + ": " + r.out() + r.err());
            assertTrue(r.err().startsWith("bitflex: "), String.join(" ", c) + ": " + r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
        assertTrue(run("eval", "--checkpoint", bad.toString()).err().contains("not a bitflex checkpoint"));
    }
}

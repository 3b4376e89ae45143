package bitflex.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bitflex train --mode integer}: the run, its JSON (formats, bytes, no master copy) and the refusals. */
class IntegerTrainCommandTest {
    @Test
    void integerRunWritesFormatsAndNoMasterCopy(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("r.json");
        TrainCommandTest.Run r = TrainCommandTest.run("train", "--model", "mlp", "--train-size", "640", "--batch", "32",
                "--threads", "1", "--mode", "integer", "--policy", "static", "--bits", "8", "--act-bits", "8",
                "--grad-bits", "8", "--json", json.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("mode integer, policy static, bits 8, gradient bits 8, activation bits 8"), r.out());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals("integer", j.get("mode").asText());
        assertEquals(8, j.get("activation_bits").asInt());
        assertEquals(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, j.get("parameters").asLong(), "integer weights and biases count");
        assertEquals(3, j.get("layers").size());
        long[] sizes = {256 * 784, 128 * 256, 10 * 128};
        int i = 0;
        for (JsonNode l : j.get("layers")) {
            assertEquals(8, l.get("word_length").asInt());
            assertEquals(sizes[i++], l.get("weight_bytes").asLong(), "8-bit weights are stored one byte each");
            assertEquals(0, l.get("master_copy_bytes").asLong());
            assertEquals(8, l.get("activation_format").get("word_length").asInt());
            assertEquals(8, l.get("gradient_format").get("word_length").asInt());
        }
        assertTrue(j.get("test_acc").asDouble() > 0.3, "accuracy " + j.get("test_acc"));
    }

    @Test
    void integerRunReportShowsNoMasterCopyAndIntegerParameterBytes(@TempDir Path dir) throws IOException {
        Path rep = dir.resolve("rep");
        TrainCommandTest.Run r = TrainCommandTest.run("train", "--model", "lenet5", "--train-size", "128", "--batch", "32",
                "--threads", "1", "--mode", "integer", "--policy", "rct", "--report", rep.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        JsonNode total = new ObjectMapper().readTree(rep.resolve("report.json").toFile()).get("memory").get("total");
        JsonNode b = total.get("bitflex");
        assertEquals(0, b.get("master_copy_bytes").asLong());
        long params = b.get("parameter_count").asLong();
        assertEquals(61706, params);
        // 8-bit weights (one byte) and 16-bit biases (two bytes): 61,470 + 2 x 236.
        assertEquals(61470 + 2 * 236, b.get("parameter_bytes").asLong());
        assertTrue(b.get("parameter_bytes").asLong() < total.get("fp32").get("parameter_bytes").asLong() / 3);
    }

    @Test
    void integerCheckpointResumesBitIdenticallyAndEvaluates(@TempDir Path dir) throws IOException {
        String[] common = {"train", "--model", "mlp", "--train-size", "256", "--batch", "32", "--threads", "1", "--mode",
            "integer", "--act-bits", "7"};
        Path whole = dir.resolve("whole.json");
        TrainCommandTest.Run a = TrainCommandTest.run(concat(common, "--epochs", "2", "--json", whole.toString()));
        assertEquals(0, a.code(), a.out() + a.err());
        Path ck = dir.resolve("c.ckpt");
        TrainCommandTest.Run b = TrainCommandTest.run(concat(common, "--epochs", "1", "--checkpoint", ck.toString()));
        assertEquals(0, b.code(), b.out() + b.err());
        Path resumed = dir.resolve("resumed.json");
        TrainCommandTest.Run c = TrainCommandTest.run("train", "--resume", ck.toString(), "--epochs", "2", "--threads", "1",
                "--json", resumed.toString());
        assertEquals(0, c.code(), c.out() + c.err());
        JsonNode w = new ObjectMapper().readTree(whole.toFile());
        JsonNode r = new ObjectMapper().readTree(resumed.toFile());
        assertEquals("integer", r.get("mode").asText());
        assertEquals(7, r.get("activation_bits").asInt(), "act bits come from the checkpoint");
        assertEquals(w.get("test_acc").asDouble(), r.get("test_acc").asDouble());
        assertEquals(w.get("test_loss").asDouble(), r.get("test_loss").asDouble());
        assertEquals(w.get("layers").toString(), r.get("layers").toString());
        TrainCommandTest.Run e = TrainCommandTest.run("eval", "--checkpoint", ck.toString(), "--threads", "1");
        assertEquals(0, e.code(), e.out() + e.err());
        assertTrue(e.out().contains("test accuracy"), e.out());
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void integerRunTakesLambda1() {
        TrainCommandTest.Run r = TrainCommandTest.run("train", "--model", "mlp", "--train-size", "64", "--batch", "32",
                "--mode", "integer", "--lambda1", "0.001", "--threads", "1");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("lambda1 0.001"), r.out());
    }

    @Test
    void unsupportedIntegerSettingsAreRefusedInOneLine(@TempDir Path dir) {
        String[][] cases = {
            {"train", "--mode", "integer", "--optimizer", "adam"},
            {"train", "--mode", "integer", "--lambda1", "-1", "--train-size", "64"},
            {"train", "--mode", "integer", "--policy", "static", "--bits", "20", "--train-size", "64"},
            {"train", "--mode", "integer", "--act-bits", "20", "--train-size", "64"},
            {"train", "--act-bits", "8"},
        };
        for (String[] c : cases) {
            TrainCommandTest.Run r = TrainCommandTest.run(c);
            assertTrue(r.code() != 0, String.join(" ", c) + ": " + r.out() + r.err());
            assertTrue(r.err().startsWith("bitflex: "), String.join(" ", c) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        }
        // named by its flag, before any data is read
        TrainCommandTest.Run r = TrainCommandTest.run("train", "--mode", "fake-quant", "--lambda1", "NaN", "--train-size", "64");
        assertTrue(r.err().startsWith("bitflex: --lambda1 must be finite and >= 0, got NaN"), r.err());
        assertTrue(!r.out().contains("training "), r.out());
    }
}

package bitflex.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bitflex train --mode fake-quant --policy ...}: the per-layer table, the JSON fields, the refusals. */
class FakeQuantTrainCommandTest {
    @Test
    void fakeQuantRunPrintsTheLayerTableAndWritesModePolicyAndFormats(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("r.json");
        TrainCommandTest.Run r = TrainCommandTest.run("train", "--model", "mlp", "--train-size", "640", "--batch", "32",
                "--threads", "1", "--mode", "fake-quant", "--policy", "static", "--bits", "6", "--json", json.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("mode fake-quant, policy static, bits 6"), r.out());
        assertTrue(r.out().contains("layer     final format  decisions  changes"), r.out());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals("fake-quant", j.get("mode").asText());
        assertEquals("static", j.get("policy").asText());
        assertEquals(3, j.get("layers").size());
        for (JsonNode l : j.get("layers")) {
            assertEquals(6, l.get("word_length").asInt());
            assertTrue(r.out().contains(l.get("layer").asText() + "  WL 6 FL " + l.get("frac_length").asInt()), r.out());
        }
        assertTrue(j.get("test_acc").asDouble() > 0.3, "accuracy " + j.get("test_acc"));

        TrainCommandTest.Run f = TrainCommandTest.run("train", "--model", "mlp", "--train-size", "64", "--threads", "1",
                "--json", json.toString());
        assertEquals(0, f.code(), f.out() + f.err());
        JsonNode fj = new ObjectMapper().readTree(json.toFile());
        assertEquals("float32", fj.get("mode").asText());
        assertTrue(fj.get("policy").isNull());
        assertFalse(fj.has("layers"));
    }

    @Test
    void badModeAndPolicySettingsAreRefusedInOneLine(@TempDir Path dir) {
        String[][] cases = {
            {"train", "--mode", "bfloat16"},
            {"train", "--mode", "fake-quant", "--policy", "dynamic"},
            {"train", "--policy", "rct"},
            {"train", "--mode", "fake-quant", "--policy", "rct", "--bits", "20"},
            {"train", "--mode", "fake-quant", "--policy", "adapt", "--bits", "6"},
            {"train", "--optimizer", "adam", "--momentum", "0.5"},
        };
        for (String[] c : cases) {
            TrainCommandTest.Run r = TrainCommandTest.run(c);
            assertTrue(r.code() != 0, String.join(" ", c) + ": " + r.out() + r.err());
            assertTrue(r.err().startsWith("bitflex: "), String.join(" ", c) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        }
    }
}

package bitflex.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonFilesTest {
    private static Map<String, Object> sample() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", "lenet5");
        m.put("epochs", 3);
        m.put("parameters", 61_706L);
        m.put("lr", 0.05);
        m.put("ratio", 1.5f);
        m.put("resumed", false);
        m.put("policy", null);
        m.put("train_loss", Double.NaN);
        m.put("step_end_s", new double[] {0.25, 0.5});
        m.put("bits", new int[] {8, 4});
        m.put("bytes", new long[] {1L << 40});
        m.put("scales", new float[] {0.125f});
        m.put("per_epoch", List.of(Map.of("epoch", 1, "test_acc", 0.8549)));
        return m;
    }

    @Test
    void writesWhatDatabindWrites(@TempDir Path dir) throws IOException {
        Path ours = dir.resolve("ours.json");
        Path theirs = dir.resolve("theirs.json");
        JsonFiles.write(ours, sample());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(theirs.toFile(), sample());
        assertEquals(Files.readString(theirs), Files.readString(ours));
        JsonNode n = new ObjectMapper().readTree(ours.toFile());
        assertEquals(0.8549, n.get("per_epoch").get(0).get("test_acc").asDouble());
        assertEquals("NaN", n.get("train_loss").asText());
        assertTrue(n.get("policy").isNull());
    }

    @Test
    void anUnknownValueIsNamedByWhereItSits(@TempDir Path dir) {
        Map<String, Object> m = Map.of("per_epoch", List.of(Map.of("when", new Object())));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonFiles.write(dir.resolve("x.json"), m));
        assertTrue(e.getMessage().contains("JSON $.per_epoch[0].when: cannot write a java.lang.Object"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JsonFiles.write(dir.resolve("y.json"), Map.of(1, "one")));
        assertTrue(e.getMessage().contains("JSON $: a map key must be a string, got 1"), e.getMessage());
    }
}

package bitflex.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.bench.report.ReportCharts;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --report DIR} and {@code report compare}: the files, their content, the refusals. */
class ReportCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void train(Path dir, String... extra) {
        String[] base = {"train", "--model", "mlp", "--train-size", "256", "--batch", "32", "--threads", "1",
            "--report", dir.toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        TrainCommandTest.Run r = TrainCommandTest.run(args);
        assertEquals(0, r.code(), r.out() + r.err());
    }

    @Test
    void reportsAreWrittenParseBackAndCompare(@TempDir Path tmp) throws IOException {
        Path f32 = tmp.resolve("f32");
        Path fq = tmp.resolve("nested").resolve("fq");
        train(f32);
        train(fq, "--mode", "fake-quant", "--policy", "static", "--bits", "6");

        for (Path d : new Path[] {f32, fq}) {
            assertTrue(Files.size(d.resolve("report.md")) > 0);
            for (String chart : ReportCharts.FILES) {
                byte[] png = Files.readAllBytes(d.resolve(chart));
                assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', chart);
            }
        }
        JsonNode a = JSON.readTree(f32.resolve("report.json").toFile());
        JsonNode b = JSON.readTree(fq.resolve("report.json").toFile());
        assertEquals("bitflex-report/1", a.get("format").asText());
        assertEquals(8, a.path("result").path("steps").asLong());
        assertEquals(1, a.path("epochs").size());
        assertEquals(1.0, a.path("summary").path("model_size_ratio").asDouble());
        assertEquals(1.0, a.path("summary").path("training_bit_mac_ratio").asDouble(), 1e-3, "dense float32 weights");
        assertEquals(0, a.path("memory").path("total").path("bitflex").path("master_copy_bytes").asLong());
        JsonNode mem = a.path("memory");
        assertTrue(mem.path("peak_kernel_scratch_bytes").asLong() > 0, "the GEMMs' packing panels are kernel scratch");
        assertEquals(mem.path("peak_step_bytes").asLong(), mem.path("persistent_bytes").asLong()
                + mem.path("peak_workspace_bytes").asLong() + mem.path("peak_kernel_scratch_bytes").asLong());
        assertTrue(Files.readString(f32.resolve("report.md")).contains("in the kernels' per-thread scratch buffers"));

        assertEquals(6.0 / 32, b.path("summary").path("model_size_ratio").asDouble(), 1e-12);
        assertEquals(0, b.path("decision_log").size(), "static takes no decisions after the initial formats");
        assertEquals(3, b.path("layers").size());
        for (JsonNode l : b.path("layers")) {
            assertEquals(6, l.path("word_length").asInt());
        }
        long master = b.path("memory").path("total").path("bitflex").path("master_copy_bytes").asLong();
        long weights = 0;
        for (JsonNode l : b.path("layers")) {
            weights += 4 * l.path("weights").asLong();
        }
        assertEquals(weights, master, "fake-quant keeps a float32 master of every weight");
        // the ledger's totals are the sum of its layers
        long macs = 0;
        for (JsonNode c : b.path("ledger").path("per_layer")) {
            macs += c.path("bitflex").path("macs").asLong();
        }
        assertEquals(macs, b.path("ledger").path("total").path("bitflex").path("macs").asLong());
        String md = Files.readString(fq.resolve("report.md"));
        assertTrue(md.contains("| QAT |") && md.contains("| FP32 |") && md.contains("fp32 master + int8 copy"), md);

        Path out = tmp.resolve("cmp.md");
        Path json = tmp.resolve("cmp.json");
        TrainCommandTest.Run c = TrainCommandTest.run("report", "compare", f32.toString(), fq.toString(), "--out",
                out.toString(), "--json", json.toString());
        assertEquals(0, c.code(), c.out() + c.err());
        assertTrue(c.out().contains("| " + fq + " | mlp | fake-quant | static |"), c.out());
        assertEquals(c.out(), Files.readString(out));
        JsonNode rows = JSON.readTree(json.toFile());
        assertEquals(2, rows.size());
        assertEquals(0.0, rows.get(0).get("delta_vs_float32").asDouble());
        assertEquals(b.path("result").path("test_accuracy").asDouble() - a.path("result").path("test_accuracy").asDouble(),
                rows.get(1).get("delta_vs_float32").asDouble(), 1e-12);
    }

    @Test
    void badReportDirectoriesAreRefusedNamingFileAndField(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        TrainCommandTest.Run r = TrainCommandTest.run("train", "--model", "mlp", "--train-size", "64", "--report", file.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(file + ": exists and is not a directory"), r.err());

        Path empty = Files.createDirectory(tmp.resolve("empty"));
        r = TrainCommandTest.run("report", "compare", empty.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(empty.resolve("report.json") + ": no such file"), r.err());

        Path broken = Files.createDirectory(tmp.resolve("broken"));
        Files.writeString(broken.resolve("report.json"), "{\"format\": ");
        r = TrainCommandTest.run("report", "compare", broken.toString());
        assertTrue(r.code() != 0 && r.err().contains(broken.resolve("report.json") + ": not valid JSON"), r.err());

        Path partial = Files.createDirectory(tmp.resolve("partial"));
        Files.writeString(partial.resolve("report.json"),
                "{\"format\": \"bitflex-report/1\", \"settings\": {\"model\": \"mlp\", \"mode\": \"float32\"}, \"result\": {}}");
        r = TrainCommandTest.run("report", "compare", partial.toString());
        assertTrue(r.code() != 0 && r.err().contains(partial.resolve("report.json") + ": field 'result.test_accuracy' is missing"),
                r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}

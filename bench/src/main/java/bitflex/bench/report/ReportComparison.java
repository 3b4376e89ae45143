package bitflex.bench.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code report compare}: several runs' {@code report.json} side by side. The accuracy delta is
 * against the float32 run of the same model among them (if there is one); the ratios and savings
 * are each run's own figures against its baseline (FP32 or QAT, named in the column).
 */
public final class ReportComparison {
    /** One run's row. */
    public record Row(String dir, String model, String mode, String policy, double testAccuracy, double deltaVsFloat32,
                      double modelSizeRatio, double trainingBitMacRatio, double inferenceMacRatio,
                      double gemmEnergySavedVsQat, double parameterMemorySavedVsQat, double wallSeconds,
                      double samplesPerSecond) {}

    private final List<Row> rows;

    private ReportComparison(List<Row> rows) {
        this.rows = rows;
    }

    public List<Row> rows() {
        return rows;
    }

    /** Reads {@code dir/report.json} of every directory; errors name the file and the field. */
    public static ReportComparison read(List<Path> dirs) throws IOException {
        if (dirs == null || dirs.isEmpty()) {
            throw new IllegalArgumentException("report compare: give at least one report directory");
        }
        List<JsonNode> reports = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (Path d : dirs) {
            Path f = Files.isDirectory(d) ? d.resolve(ReportWriter.JSON_FILE) : d;
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException("report compare: " + f + ": no such file (run train --report "
                        + d + " first)");
            }
            JsonNode r;
            try {
                r = RunReport.JSON.readTree(f.toFile());
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("report compare: " + f + ": not valid JSON ("
                        + e.getOriginalMessage() + ")");
            }
            if (r == null || !r.isObject()) {
                throw new IllegalArgumentException("report compare: " + f + ": not a JSON object");
            }
            String format = text(f, r, "format");
            if (!RunReport.FORMAT.equals(format)) {
                throw new IllegalArgumentException("report compare: " + f + ": field 'format' is '" + format
                        + "', expected '" + RunReport.FORMAT + "'");
            }
            reports.add(r);
            files.add(f);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            JsonNode r = reports.get(i);
            Path f = files.get(i);
            String model = text(f, r, "settings.model");
            String mode = text(f, r, "settings.mode");
            JsonNode pol = r.path("settings").path("policy");
            String policy = pol.isMissingNode() || pol.isNull() ? "-" : pol.asText();
            double acc = number(f, r, "result.test_accuracy");
            double ref = Double.NaN;
            for (int j = 0; j < reports.size(); j++) {
                JsonNode o = reports.get(j);
                if ("float32".equals(text(files.get(j), o, "settings.mode")) && model.equals(text(files.get(j), o, "settings.model"))) {
                    ref = number(files.get(j), o, "result.test_accuracy");
                    break;
                }
            }
            rows.add(new Row(dirs.get(i).toString(), model, mode, policy, acc, acc - ref,
                    number(f, r, "summary.model_size_ratio"), number(f, r, "summary.training_bit_mac_ratio"),
                    number(f, r, "summary.inference_mac_ratio"), number(f, r, "summary.gemm_energy_saved_vs_qat"),
                    number(f, r, "summary.parameter_memory_saved_vs_qat"), number(f, r, "result.wall_s"),
                    number(f, r, "result.samples_per_s")));
        }
        return new ReportComparison(rows);
    }

    private static JsonNode field(Path f, JsonNode r, String dotted) {
        JsonNode n = r;
        for (String part : dotted.split("\\.")) {
            n = n.path(part);
        }
        if (n.isMissingNode() || n.isNull()) {
            throw new IllegalArgumentException("report compare: " + f + ": field '" + dotted + "' is missing");
        }
        return n;
    }

    private static String text(Path f, JsonNode r, String dotted) {
        JsonNode n = field(f, r, dotted);
        if (!n.isTextual()) {
            throw new IllegalArgumentException("report compare: " + f + ": field '" + dotted + "' is not a string");
        }
        return n.asText();
    }

    /** A number, or the string "NaN"/"Infinity" as Jackson writes non-finite doubles. */
    private static double number(Path f, JsonNode r, String dotted) {
        JsonNode n = field(f, r, dotted);
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isTextual() && List.of("NaN", "Infinity", "-Infinity").contains(n.asText())) {
            return Double.parseDouble(n.asText());
        }
        throw new IllegalArgumentException("report compare: " + f + ": field '" + dotted + "' is not a number: " + n);
    }

    /** The table in Markdown. */
    public String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| run | model | mode | policy | test acc | delta vs float32 | model size (x FP32) | training bit-MACs (x FP32) "
                + "| inference bit-MACs (x FP32) | GEMM energy saved vs QAT | param memory saved vs QAT | wall s | samples/s |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2f%% | %s | %.3f | %.3f | %.3f | %.1f%% | %.1f%% | %.2f | %.0f |%n",
                    r.dir(), r.model(), r.mode(), r.policy(), 100 * r.testAccuracy(),
                    Double.isNaN(r.deltaVsFloat32()) ? "-" : String.format(Locale.ROOT, "%+.2f pt", 100 * r.deltaVsFloat32()),
                    r.modelSizeRatio(), r.trainingBitMacRatio(), r.inferenceMacRatio(), 100 * r.gemmEnergySavedVsQat(),
                    100 * r.parameterMemorySavedVsQat(), r.wallSeconds(), r.samplesPerSecond()));
        }
        b.append("\nRatios are bitflex over float32 (bit-weighted MACs: word length x MACs x density); savings are against "
                + "QAT (fp32 master + int8 copy, int8 forward, fp32 backward). Delta: test accuracy minus the float32 run of "
                + "the same model in this table. Wall time and samples/s are measured; the rest are ledger estimates.\n");
        return b.toString();
    }

    /** The table as a JSON array of rows. */
    public String json() throws IOException {
        ArrayNode a = RunReport.JSON.createArrayNode();
        for (Row r : rows) {
            ObjectNode n = a.addObject();
            n.put("run", r.dir());
            n.put("model", r.model());
            n.put("mode", r.mode());
            n.put("policy", r.policy());
            n.put("test_accuracy", r.testAccuracy());
            n.put("delta_vs_float32", r.deltaVsFloat32());
            n.put("model_size_ratio", r.modelSizeRatio());
            n.put("training_bit_mac_ratio", r.trainingBitMacRatio());
            n.put("inference_mac_ratio", r.inferenceMacRatio());
            n.put("gemm_energy_saved_vs_qat", r.gemmEnergySavedVsQat());
            n.put("parameter_memory_saved_vs_qat", r.parameterMemorySavedVsQat());
            n.put("wall_s", r.wallSeconds());
            n.put("samples_per_s", r.samplesPerSecond());
        }
        return RunReport.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(a);
    }
}

package bitflex.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** {@code report.md}: the human-readable tables of a {@code report.json}, each naming its baseline. */
public final class ReportMarkdown {
    private ReportMarkdown() {}

    public static String render(JsonNode r) {
        StringBuilder b = new StringBuilder();
        JsonNode s = r.path("settings");
        b.append("# bitflex run: ").append(s.path("model").asText()).append(", ").append(s.path("mode").asText());
        if (!s.path("policy").isNull() && !s.path("policy").isMissingNode()) {
            b.append(", policy ").append(s.path("policy").asText());
        }
        b.append("\n\n## Settings\n\n| setting | value |\n|---|---|\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            b.append("| ").append(e.getKey()).append(" | ").append(e.getValue().isValueNode() ? e.getValue().asText()
                    : e.getValue().toString()).append(" |\n");
        }
        b.append("| data | ").append(r.path("data").asText()).append(" |\n");
        b.append("| JDK | ").append(r.path("jdk").asText()).append(" |\n");

        JsonNode res = r.path("result");
        b.append("\n## Result (measured)\n\n");
        b.append(String.format(Locale.ROOT, "Test accuracy %.2f%%, test loss %.4f; %d steps, %d samples; "
                        + "training wall time %.2f s (%.0f samples/s; %.0f samples/s inside the steps).%n",
                100 * res.path("test_accuracy").asDouble(), res.path("test_loss").asDouble(), res.path("steps").asLong(),
                res.path("samples").asLong(), res.path("wall_s").asDouble(), res.path("samples_per_s").asDouble(),
                res.path("step_samples_per_s").asDouble()));
        b.append("\n| epoch | train loss | train acc | test loss | test acc | samples/s | wall s |\n|---|---|---|---|---|---|---|\n");
        for (JsonNode e : r.path("epochs")) {
            b.append(String.format(Locale.ROOT, "| %d | %.4f | %.2f%% | %.4f | %.2f%% | %.0f | %.2f |%n", e.path("epoch").asInt(),
                    e.path("train_loss").asDouble(), 100 * e.path("train_accuracy").asDouble(), e.path("test_loss").asDouble(),
                    100 * e.path("test_accuracy").asDouble(), e.path("samples_per_s").asDouble(), e.path("wall_s").asDouble()));
        }

        JsonNode sum = r.path("summary");
        b.append("\n## Summary (estimates from the ledger)\n\n| figure | value | baseline |\n|---|---|---|\n");
        row(b, "model size ratio (weight bits / 32-bit weights)", ratio(sum.path("model_size_ratio")), "FP32");
        row(b, "training bit-weighted MAC ratio", ratio(sum.path("training_bit_mac_ratio")), "FP32");
        row(b, "inference bit-weighted MAC ratio (final formats and density)", ratio(sum.path("inference_mac_ratio")), "FP32");
        row(b, "GEMM (arithmetic) energy saved", pct(sum.path("gemm_energy_saved_vs_qat")), "QAT");
        row(b, "GEMM (arithmetic) energy saved", pct(sum.path("gemm_energy_saved_vs_fp32")), "FP32");
        row(b, "GEMM energy incl. operand traffic saved", pct(sum.path("energy_saved_vs_qat")), "QAT");
        row(b, "GEMM energy incl. operand traffic saved", pct(sum.path("energy_saved_vs_fp32")), "FP32");
        row(b, "parameter memory saved (incl. master copy)", pct(sum.path("parameter_memory_saved_vs_qat")), "QAT");
        row(b, "parameter memory saved (incl. master copy)", pct(sum.path("parameter_memory_saved_vs_fp32")), "FP32");
        row(b, "training memory saved (params, master, grads, state, saved activations)",
                pct(sum.path("memory_saved_vs_fp32")), "FP32");
        b.append("\nBaselines:\n\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = r.path("ledger").path("baselines").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            b.append("- **").append(e.getKey()).append("**: ").append(e.getValue().asText()).append("\n");
        }
        b.append("\nEnergy model: ").append(r.path("ledger").path("energy_model").asText()).append(". Arithmetic: ")
                .append(r.path("ledger").path("arithmetic").asText()).append(".\n");

        b.append("\n## Layers: formats and density\n\n| layer | weights | final format | decisions | format changes | density | forward MACs/sample |\n|---|---|---|---|---|---|---|\n");
        for (JsonNode l : r.path("layers")) {
            b.append(String.format(Locale.ROOT, "| %s | %d | %s | %d | %d | %.4f | %d |%n", l.path("layer").asText(),
                    l.path("weights").asLong(), l.path("format").asText(), l.path("decisions").asLong(),
                    l.path("format_changes").asLong(), l.path("density").asDouble(), l.path("forward_macs_per_sample").asLong()));
        }
        b.append(String.format(Locale.ROOT, "%nPolicy decisions: %d (%d changed a format). Overall weight density %.4f.%n",
                r.path("decisions").asLong(), r.path("format_changes").asLong(), r.path("overall_density").asDouble()));

        b.append("\n## Ledger: MACs and energy over the run, per layer (estimates; pJ)\n\n");
        b.append("| layer | MACs | bit-MACs | bit-MACs FP32 | bitflex energy | FP32 energy | QAT energy | arithmetic saved vs QAT |\n|---|---|---|---|---|---|---|---|\n");
        for (JsonNode c : r.path("ledger").path("per_layer")) {
            costRow(b, c);
        }
        costRow(b, r.path("ledger").path("total"));

        JsonNode mem = r.path("memory");
        b.append(String.format(Locale.ROOT, "%n## Memory (bytes, at the step with the largest total)%n%n"
                        + "Step peak %,d bytes (measured: %,d persistent + %,d leased by the step's workspace for activations,"
                        + " their gradients and scratch + %,d in the kernels' per-thread scratch buffers).%n%n",
                mem.path("peak_step_bytes").asLong(), mem.path("persistent_bytes").asLong(),
                mem.path("peak_workspace_bytes").asLong(), mem.path("peak_kernel_scratch_bytes").asLong()));
        b.append("| layer | params | master | grads | optimizer | saved act. | total | total FP32 | total QAT |\n|---|---|---|---|---|---|---|---|---|\n");
        for (JsonNode m : mem.path("per_layer")) {
            memRow(b, m);
        }
        memRow(b, mem.path("total"));
        b.append("\n").append(mem.path("notes").asText()).append(".\n");
        b.append("\n## Charts\n\n- `wordlength.png`: per-layer weight word length over training steps\n"
                + "- `loss_accuracy.png`: training loss (windowed mean over steps) and per-epoch test accuracy\n"
                + "- `energy.png`: energy per layer, bitflex against the FP32 and QAT baselines\n"
                + "- `memory.png`: training memory per layer, bitflex against the FP32 and QAT baselines\n");
        return b.toString();
    }

    private static void costRow(StringBuilder b, JsonNode c) {
        JsonNode x = c.path("bitflex");
        double arithQat = c.path("qat").path("arithmetic_pj").asDouble();
        b.append(String.format(Locale.ROOT, "| %s | %,d | %.4g | %.4g | %.4g | %.4g | %.4g | %s |%n", c.path("layer").asText(),
                x.path("macs").asLong(), x.path("bit_macs").asDouble(), c.path("fp32").path("bit_macs").asDouble(),
                x.path("energy_pj").asDouble(), c.path("fp32").path("energy_pj").asDouble(),
                c.path("qat").path("energy_pj").asDouble(),
                arithQat == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * (1 - x.path("arithmetic_pj").asDouble() / arithQat))));
    }

    private static void memRow(StringBuilder b, JsonNode m) {
        JsonNode x = m.path("bitflex");
        b.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %,d | %,d | %,d | %,d | %,d |%n", m.path("layer").asText(),
                x.path("parameter_bytes").asLong(), x.path("master_copy_bytes").asLong(), x.path("gradient_bytes").asLong(),
                x.path("optimizer_state_bytes").asLong(), x.path("saved_activation_bytes").asLong(),
                x.path("total_bytes").asLong(), m.path("fp32").path("total_bytes").asLong(),
                m.path("qat").path("total_bytes").asLong()));
    }

    private static void row(StringBuilder b, String what, String value, String baseline) {
        b.append("| ").append(what).append(" | ").append(value).append(" | ").append(baseline).append(" |\n");
    }

    static String ratio(JsonNode v) {
        return String.format(Locale.ROOT, "%.3fx", v.asDouble());
    }

    static String pct(JsonNode v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v.asDouble());
    }
}

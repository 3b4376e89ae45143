package bitflex.bench.report;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.nn.train.EpochResult;
import bitflex.nn.train.TrainResult;
import bitflex.precision.PrecisionDecision;
import bitflex.precision.ledger.Baseline;
import bitflex.precision.ledger.CostFigures;
import bitflex.precision.ledger.LayerCost;
import bitflex.precision.ledger.LayerMemory;
import bitflex.precision.ledger.MemoryReport;
import bitflex.precision.ledger.RunLedger;
import bitflex.precision.ledger.TrainingLedger;
import bitflex.precision.training.PrecisionRun;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The content of {@code report.json}: one training run's settings, curves, formats, ledger and
 * memory, every cost beside both baselines ({@link Baseline#FP32}, {@link Baseline#QAT}), and the
 * summary ratios that {@code report compare} tabulates. Field names are documented in the README's
 * "Precision, reports and the ledger" section.
 */
public final class RunReport {
    /** Written into every report; {@code report compare} refuses anything else. */
    public static final String FORMAT = "bitflex-report/1";

    static final ObjectMapper JSON = new ObjectMapper();

    private RunReport() {}

    /**
     * @param settings   the run's resolved settings (model, mode, policy, epochs, batch, ...), written as given
     * @param dataSource where the data came from
     * @param result     the trainer's per-epoch results
     * @param testAccuracy final test accuracy
     * @param testLoss   final test loss
     * @param ledger     the run's ledger listener
     * @param run        the quantized mode, or null for float32
     */
    public static ObjectNode build(Map<String, Object> settings, String dataSource, TrainResult result,
                                   double testAccuracy, double testLoss, TrainingLedger ledger, PrecisionRun run) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.set("settings", JSON.valueToTree(settings));
        root.put("data", dataSource);
        root.put("jdk", Runtime.version().toString());

        RunLedger led = ledger.run();
        ObjectNode res = root.putObject("result");
        res.put("test_accuracy", testAccuracy);
        res.put("test_loss", testLoss);
        res.put("train_loss", result.last() == null ? Double.NaN : result.last().trainLoss());
        res.put("wall_s", result.trainSeconds());
        res.put("samples_per_s", result.samplesPerSecond());
        res.put("steps", led.steps());
        res.put("samples", led.samples());
        res.put("step_wall_s", led.wallNanos() / 1e9);
        res.put("step_samples_per_s", led.samplesPerSecond());

        ArrayNode epochs = root.putArray("epochs");
        for (EpochResult e : result.epochs()) {
            ObjectNode n = epochs.addObject();
            n.put("epoch", e.epoch() + 1);
            n.put("train_loss", e.trainLoss());
            n.put("train_accuracy", e.trainAccuracy());
            n.put("test_loss", e.testLoss());
            n.put("test_accuracy", e.testAccuracy());
            n.put("samples_per_s", e.samplesPerSecond());
            n.put("wall_s", e.trainSeconds());
            for (TrainingLedger.EpochPoint p : ledger.epochs()) {
                if (p.epoch() == e.epoch()) {
                    n.set("density", JSON.valueToTree(p.density()));
                    n.put("bit_mac_ratio_so_far", p.run().total().bitMacRatio(Baseline.FP32));
                }
            }
        }
        ArrayNode losses = root.putArray("loss_curve");
        for (TrainingLedger.LossPoint p : ledger.losses()) {
            losses.addObject().put("step", p.step()).put("mean_loss", p.meanLoss()).put("steps", p.steps());
        }

        List<PrecisionDecision> decisions = run == null ? List.of() : run.policy().decisions();
        root.put("decisions", decisions.stream().filter(d -> !d.kind().equals("initial")).count());
        root.put("format_changes", decisions.stream().filter(d -> !d.kind().equals("initial") && d.changed()).count());
        ArrayNode log = root.putArray("decision_log");
        for (PrecisionDecision d : decisions) {
            if (d.kind().equals("initial")) {
                continue;
            }
            ObjectNode n = log.addObject();
            n.put("step", d.step());
            n.put("layer", d.layer());
            n.put("kind", d.kind());
            n.put("before", "WL " + d.before().wordLength() + " FL " + d.before().fracLength());
            n.put("after", "WL " + d.after().wordLength() + " FL " + d.after().fracLength());
            putSignal(n, "kl_divergence", d.klDivergence());
            putSignal(n, "gradient_diversity", d.gradientDiversity());
            if (d.lookBack() >= 0) {
                n.put("look_back", d.lookBack());
                n.put("resolution", d.resolution());
                n.put("push_up_steps", d.pushUpSteps());
                n.put("strategy", d.strategy());
            }
            putSignal(n, "gavg", d.gavg());
        }

        ArrayNode layers = root.putArray("layers");
        long weights = 0;
        double weightBits = 0;
        double infFp32 = 0;
        double infBitflex = 0;
        for (String l : ledger.layers()) {
            ObjectNode n = layers.addObject();
            n.put("layer", l);
            long count = ledger.weightCount(l);
            n.put("weights", count);
            boolean quantized = run != null && run.layers().contains(l);
            FixedPointFormat f = quantized ? run.weightFormat(l) : null;
            int wl = f == null ? 32 : f.wordLength();
            n.put("word_length", wl);
            if (f == null) {
                n.put("format", "float32");
            } else {
                n.put("format", "WL " + f.wordLength() + " FL " + f.fracLength());
                n.put("frac_length", f.fracLength());
            }
            n.put("decisions", decisions.stream().filter(d -> d.layer().equals(l) && !d.kind().equals("initial")).count());
            n.put("format_changes", decisions.stream().filter(d -> d.layer().equals(l) && !d.kind().equals("initial")
                    && d.changed()).count());
            double density = ledger.density().density(l);
            n.put("density", density);
            long fwd = ledger.forwardMacsPerSample(l);
            n.put("forward_macs_per_sample", fwd);
            weights += count;
            weightBits += (double) count * wl;
            infFp32 += 32.0 * fwd;
            infBitflex += (double) wl * fwd * density;
        }
        root.put("overall_density", ledger.density().overall());

        ObjectNode wls = root.putObject("word_lengths");
        wls.set("layers", JSON.valueToTree(ledger.layers()));
        ArrayNode pts = wls.putArray("points");
        for (TrainingLedger.WordLengths w : ledger.wordLengths()) {
            ObjectNode p = pts.addObject();
            p.put("step", w.step());
            p.set("word_lengths", JSON.valueToTree(w.wordLengths()));
        }

        ObjectNode lj = root.putObject("ledger");
        ObjectNode bl = lj.putObject("baselines");
        for (Baseline b : Baseline.values()) {
            bl.put(b.name(), b.description());
        }
        lj.put("steps", led.steps());
        lj.put("first_step", ledger.firstStep());
        lj.put("energy_model", "Horowitz 45 nm (ISSCC 2014), " + ledger.costModel().energy().accumulatorBits()
                + "-bit accumulator; pJ");
        lj.put("arithmetic", run == null ? "float32 kernels"
                : run.mode() == bitflex.precision.training.TrainingMode.FAKE_QUANT
                ? "float32 kernels on quantized values; energy modelled at the operand formats"
                : "integer kernels at the operand formats");
        lj.set("total", cost(led.total()));
        ArrayNode perLayer = lj.putArray("per_layer");
        for (LayerCost c : led.layers()) {
            perLayer.add(cost(c));
        }

        ObjectNode mem = root.putObject("memory");
        mem.put("peak_step_bytes", ledger.peakStepBytes());
        mem.put("peak_workspace_bytes", ledger.peakWorkspaceBytes());
        mem.put("peak_kernel_scratch_bytes", ledger.peakKernelScratchBytes());
        mem.put("persistent_bytes", ledger.persistentBytes());
        mem.set("total", memory(led.peakTotal()));
        ArrayNode ml = mem.putArray("per_layer");
        for (MemoryReport m : led.peakMemory()) {
            ml.add(memory(m));
        }
        mem.put("notes", "parameters, master copy, gradients and optimizer state: sizes of the allocated buffers; "
                + "saved activations: measured element counts of each layer's input at the activation format's storage "
                + "width; peak: persistent buffers plus the buffers the step's workspace leased (measured); "
                + "baselines: the same element counts priced as the baseline stores them");

        ObjectNode sum = root.putObject("summary");
        sum.put("model_size_ratio", weights == 0 ? Double.NaN : weightBits / (32.0 * weights));
        sum.put("training_bit_mac_ratio", led.total().bitMacRatio(Baseline.FP32));
        sum.put("inference_mac_ratio", infFp32 == 0 ? Double.NaN : infBitflex / infFp32);
        sum.put("gemm_energy_saved_vs_qat", led.total().arithmeticEnergySaved(Baseline.QAT));
        sum.put("gemm_energy_saved_vs_fp32", led.total().arithmeticEnergySaved(Baseline.FP32));
        sum.put("energy_saved_vs_qat", led.total().energySaved(Baseline.QAT));
        sum.put("energy_saved_vs_fp32", led.total().energySaved(Baseline.FP32));
        sum.put("parameter_memory_saved_vs_qat", led.peakTotal().parameterMemorySaved(Baseline.QAT));
        sum.put("parameter_memory_saved_vs_fp32", led.peakTotal().parameterMemorySaved(Baseline.FP32));
        sum.put("memory_saved_vs_fp32", led.peakTotal().totalMemorySaved(Baseline.FP32));
        return root;
    }

    /** A policy's signal, left out when the policy does not measure it (NaN). */
    private static void putSignal(ObjectNode n, String field, double v) {
        if (!Double.isNaN(v)) {
            n.put(field, v);
        }
    }

        private static ObjectNode cost(LayerCost c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("layer", c.layer());
        n.set("bitflex", figures(c.bitflex()));
        n.set("fp32", figures(c.fp32()));
        n.set("qat", figures(c.qat()));
        return n;
    }

    private static ObjectNode figures(CostFigures f) {
        ObjectNode n = JSON.createObjectNode();
        n.put("macs", f.macs());
        n.put("bit_macs", f.bitMacs());
        n.put("arithmetic_pj", f.arithmeticPj());
        n.put("memory_pj", f.memoryPj());
        n.put("energy_pj", f.energyPj());
        return n;
    }

    private static ObjectNode memory(MemoryReport m) {
        ObjectNode n = JSON.createObjectNode();
        n.put("layer", m.layer());
        n.set("bitflex", bytes(m.bitflex()));
        n.set("fp32", bytes(m.fp32()));
        n.set("qat", bytes(m.qat()));
        return n;
    }

    private static ObjectNode bytes(LayerMemory m) {
        ObjectNode n = JSON.createObjectNode();
        n.put("parameter_count", m.parameterCount());
        n.put("parameter_bytes", m.parameterBytes());
        n.put("master_copy_bytes", m.masterCopyBytes());
        n.put("gradient_bytes", m.gradientBytes());
        n.put("optimizer_state_bytes", m.optimizerStateBytes());
        n.put("saved_activation_bytes", m.savedActivationBytes());
        n.put("total_bytes", m.totalBytes());
        return n;
    }
}

package bitflex.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/** The PNG charts of a run report, drawn with XChart from {@code report.json}'s content. */
public final class ReportCharts {
    /** File names of the charts, in the order they are written. */
    public static final List<String> FILES = List.of("wordlength.png", "loss_accuracy.png", "energy.png", "memory.png");

    private static final int WIDTH = 900;
    private static final int HEIGHT = 520;

    private ReportCharts() {}

    /** Writes every chart into {@code dir}. */
    public static void write(JsonNode report, Path dir) throws IOException {
        // Charts render off-screen; a machine without a display must not try to open one.
        System.setProperty("java.awt.headless", "true");
        save(wordLengths(report), dir.resolve(FILES.get(0)));
        save(lossAccuracy(report), dir.resolve(FILES.get(1)));
        save(energy(report), dir.resolve(FILES.get(2)));
        save(memory(report), dir.resolve(FILES.get(3)));
    }

    static XYChart wordLengths(JsonNode r) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Weight word length per layer")
                .xAxisTitle("training step").yAxisTitle("word length (bits)").build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        JsonNode layers = r.path("word_lengths").path("layers");
        JsonNode points = r.path("word_lengths").path("points");
        long lastStep = r.path("result").path("steps").asLong();
        for (int i = 0; i < layers.size(); i++) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (JsonNode p : points) {
                x.add(p.path("step").asDouble());
                y.add(p.path("word_lengths").path(i).asDouble());
            }
            if (!x.isEmpty() && x.get(x.size() - 1) < lastStep) {
                x.add((double) lastStep);
                y.add(y.get(y.size() - 1));
            }
            if (x.isEmpty()) {
                x.add(0.0);
                y.add(32.0);
            }
            c.addSeries(layers.path(i).asText(), x, y);
        }
        return c;
    }

    static XYChart lossAccuracy(JsonNode r) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Training loss and test accuracy")
                .xAxisTitle("training step").yAxisTitle("loss / accuracy").build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (JsonNode p : r.path("loss_curve")) {
            x.add(p.path("step").asDouble());
            y.add(p.path("mean_loss").asDouble());
        }
        if (!x.isEmpty()) {
            c.addSeries("train loss (windowed mean)", x, y);
        }
        JsonNode epochs = r.path("epochs");
        long steps = r.path("result").path("steps").asLong();
        if (epochs.size() > 0) {
            List<Double> ex = new ArrayList<>();
            List<Double> acc = new ArrayList<>();
            List<Double> tl = new ArrayList<>();
            for (JsonNode e : epochs) {
                ex.add((double) steps * e.path("epoch").asInt() / epochs.size());
                acc.add(e.path("test_accuracy").asDouble());
                tl.add(e.path("test_loss").asDouble());
            }
            c.addSeries("test accuracy (per epoch)", ex, acc).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            c.addSeries("test loss (per epoch)", ex, tl).setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        }
        if (c.getSeriesMap().isEmpty()) {
            c.addSeries("no steps", new double[] {0}, new double[] {0});
        }
        return c;
    }

    static CategoryChart energy(JsonNode r) {
        return byLayer(r.path("ledger").path("per_layer"), "Energy per layer over the run (estimate)", "energy (uJ)",
                n -> n.path("energy_pj").asDouble() / 1e6);
    }

    static CategoryChart memory(JsonNode r) {
        return byLayer(r.path("memory").path("per_layer"), "Training memory per layer (peak step)", "memory (KiB)",
                n -> n.path("total_bytes").asDouble() / 1024);
    }

    private static CategoryChart byLayer(JsonNode rows, String title, String unit,
                                         java.util.function.ToDoubleFunction<JsonNode> value) {
        // Many layers (ResNet-20 has 22) get a wider chart and upright labels, which otherwise overlap.
        int layers = rows.size();
        CategoryChart c = new CategoryChartBuilder().width(Math.max(WIDTH, 40 * layers)).height(layers > 8 ? HEIGHT + 120 : HEIGHT).title(title)
                .xAxisTitle("layer").yAxisTitle(unit).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setXAxisLabelRotation(layers > 8 ? 90 : 30);
        List<String> names = new ArrayList<>();
        List<Double> bitflex = new ArrayList<>();
        List<Double> fp32 = new ArrayList<>();
        List<Double> qat = new ArrayList<>();
        for (JsonNode n : rows) {
            names.add(n.path("layer").asText());
            bitflex.add(value.applyAsDouble(n.path("bitflex")));
            fp32.add(value.applyAsDouble(n.path("fp32")));
            qat.add(value.applyAsDouble(n.path("qat")));
        }
        if (names.isEmpty()) {
            names.add("none");
            bitflex.add(0.0);
            fp32.add(0.0);
            qat.add(0.0);
        }
        c.addSeries("bitflex", names, bitflex);
        c.addSeries("FP32 baseline", names, fp32);
        c.addSeries("QAT baseline", names, qat);
        return c;
    }

    private static void save(Chart<?, ?> chart, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}

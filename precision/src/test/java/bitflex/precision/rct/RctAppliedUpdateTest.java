package bitflex.precision.rct;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.Rounding;
import bitflex.nn.Module;
import bitflex.nn.checkpoint.Checkpoint;
import bitflex.nn.data.Dataset;
import bitflex.nn.layers.CrossEntropyLoss;
import bitflex.nn.models.Models;
import bitflex.nn.optim.SGD;
import bitflex.nn.train.Trainer;
import bitflex.precision.ArrayStats;
import bitflex.precision.LayerWeights;
import bitflex.precision.PrecisionDecision;
import bitflex.precision.PrecisionPolicy;
import bitflex.precision.integer.IntegerOptions;
import bitflex.precision.integer.IntegerTraining;
import bitflex.precision.training.FakeQuantTraining;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * RCT's {@code Gavg} in both quantized modes is the update the optimizer applied, in grid steps:
 * with plain SGD the old {@code |lr g| / 2^-FL}, with momentum {@code |Δw| / 2^-FL} measured by hand
 * from the weights before and after each step.
 */
class RctAppliedUpdateTest {
    private static final double LR = 0.05;
    private static final RctParameters PARAMS = RctParameters.builder().window(3).build();

    /** One window's Gavg three ways: as RCT decided, by the old gradient rule, and from the weights by hand. */
    record Window(String layer, PrecisionDecision decision, double fromGradient, double fromWeights, boolean rangeGrew) {}

    /**
     * Delegates to an {@link RctPolicy} and computes, per layer over the same windows, the old
     * definition {@code mean |lr g| 2^FL} from {@code afterBackward} and {@code mean |after - before| 2^FL}
     * from the weights before the step ({@code before}: the weights the optimizer starts from) and the
     * updated ones {@code afterStep} reads.
     */
    static final class Probe implements PrecisionPolicy {
        final RctPolicy rct = new RctPolicy(PARAMS);
        final List<Window> windows = new ArrayList<>();
        final Map<String, double[]> sums = new HashMap<>(); // old sum, hand sum, count, range grew
        final Map<String, float[]> before = new HashMap<>();
        final Map<String, FixedPointFormat> formatBefore = new HashMap<>();
        Function<String, float[]> startingWeights;
        /** Integer mode: the weights' storage format, which an update that leaves the range widens. */
        Function<String, FixedPointFormat> storageFormat;

        @Override public String name() { return "rct"; }
        @Override public FixedPointFormat register(String layer, float[] w) { return rct.register(layer, w); }
        @Override public FixedPointFormat format(String layer) { return rct.format(layer); }
        @Override public List<String> layers() { return rct.layers(); }
        @Override public List<PrecisionDecision> decisions() { return rct.decisions(); }
        @Override public Checkpoint saveState() { return rct.saveState(); }
        @Override public void loadState(Checkpoint c) { rct.loadState(c); }

        @Override
        public void afterBackward(long step, String layer, float[] weights, float[] gradients, double lr) {
            int fl = rct.format(layer).fracLength();
            double[] s = sums.computeIfAbsent(layer, k -> new double[4]);
            s[0] += ArrayStats.sumAbs("g", gradients) * Math.scalb(lr, fl);
            s[2] += gradients.length;
            before.put(layer, (startingWeights == null ? weights : startingWeights.apply(layer)).clone());
            if (storageFormat != null) {
                formatBefore.put(layer, storageFormat.apply(layer));
            }
            rct.afterBackward(step, layer, weights, gradients, lr);
        }

        @Override
        public void afterUpdate(long step, String layer, float[] direction, double scale) {
            rct.afterUpdate(step, layer, direction, scale);
        }

        @Override
        public List<PrecisionDecision> afterStep(long step, double loss, LayerWeights weights) {
            for (Map.Entry<String, float[]> e : before.entrySet()) {
                float[] after = weights.weights(e.getKey());
                float[] b = e.getValue();
                double sum = 0;
                for (int i = 0; i < b.length; i++) {
                    sum += Math.abs((double) after[i] - b[i]);
                }
                double[] s = sums.get(e.getKey());
                s[1] += Math.scalb(sum, rct.format(e.getKey()).fracLength());
                if (storageFormat != null && !storageFormat.apply(e.getKey()).equals(formatBefore.get(e.getKey()))) {
                    s[3] = 1;
                }
            }
            before.clear();
            List<PrecisionDecision> made = rct.afterStep(step, loss, weights);
            for (PrecisionDecision d : made) {
                double[] s = sums.remove(d.layer());
                windows.add(new Window(d.layer(), d, s[0] / s[2], s[1] / s[2], s[3] != 0));
            }
            return made;
        }
    }

    private static final Dataset DATA = data(128);

    private static Dataset data(int n) {
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[n * 16];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < n; i++) y[i] = r.nextInt(10);
        return new Dataset("random", x, y, 1, 4, 4, 10);
    }

    private static Module mlp() {
        return Models.create("mlp", 5, 1, 4, 10); // 16-256-128-10
    }

    private static Probe fakeQuant(double momentum) throws IOException {
        Module model = mlp();
        Probe p = new Probe();
        FakeQuantTraining fq = new FakeQuantTraining(model, p, Rounding.NEAREST_EVEN, 1, 0, 0);
        p.startingWeights = fq::master; // the float masters the optimizer updates
        new Trainer(model, new SGD(model.parameters(), LR, momentum), new CrossEntropyLoss(), new Trainer.Config(3, 16, 2))
                .addListener(fq).fit(DATA, null);
        return p;
    }

    private static Probe integer(double momentum) throws IOException {
        Probe p = new Probe();
        IntegerTraining it = new IntegerTraining(mlp(), p, IntegerOptions.defaults(3).withMomentum(momentum));
        p.storageFormat = it::weightFormat;
        Module m = it.model();
        new Trainer(m, new SGD(m.parameters(), LR, momentum), new CrossEntropyLoss(), new Trainer.Config(3, 16, 2))
                .addListener(it).fit(DATA, null);
        return p;
    }

    /** Asserts the decision is the one RCT's rule takes for this Gavg. */
    private static void decidedBy(double gavg, PrecisionDecision d) {
        int b = d.before().wordLength();
        int expected = gavg < PARAMS.minUpdate() ? Math.min(b + 1, PARAMS.maxBits())
                : gavg > PARAMS.maxUpdate() ? Math.max(b - 1, PARAMS.minBits()) : b;
        assertEquals(expected, d.after().wordLength(), d.toString());
    }

    @Test
    void integerPlainSgdKeepsTheGradientDefinitionExactly() throws IOException {
        Probe p = integer(0);
        assertEquals(24, p.windows.size()); // 24 steps, window 3, 3 layers
        for (Window w : p.windows) {
            assertEquals(w.fromGradient(), w.decision().gavg(), 0.0, w.toString());
        }
    }

    @Test
    void fakeQuantPlainSgdKeepsTheGradientDefinitionUpToFloatRounding() throws IOException {
        Probe p = fakeQuant(0);
        assertEquals(24, p.windows.size());
        for (Window w : p.windows) {
            // The master's float32 update rounds lr g at the weight's ulp: far below the grid step.
            assertEquals(w.fromGradient(), w.decision().gavg(), 1e-4 * w.fromGradient(), w.toString());
            assertEquals(w.fromWeights(), w.decision().gavg(), 1e-9 * w.fromWeights(), w.toString());
            decidedBy(w.fromGradient(), w.decision());
        }
    }

    @Test
    void fakeQuantWithMomentumMeasuresTheMasterUpdate() throws IOException {
        Probe p = fakeQuant(0.9);
        for (Window w : p.windows) {
            assertEquals(w.fromWeights(), w.decision().gavg(), 1e-9 * w.fromWeights(), w.toString());
        }
        // From the second window on the velocity has built up: the applied update is several lr g.
        Window last = p.windows.get(p.windows.size() - 1);
        assertTrue(last.decision().gavg() > 2 * last.fromGradient(), last.toString());
    }

    @Test
    void integerWithMomentumMeasuresTheAppliedUpdateBeforeRounding() throws IOException {
        Probe p = integer(0.9);
        int compared = 0;
        for (Window w : p.windows) {
            // An update that leaves the range drops a fractional bit of every weight (rounding them all),
            // which is not an update: such windows are not compared.
            if (!w.rangeGrew()) {
                // lr v before stochastic rounding against the rounded integer change: equal in
                // expectation, over a window of 3 steps x thousands of weights.
                assertEquals(w.fromWeights(), w.decision().gavg(), 0.1 * w.fromWeights(), w.toString());
                compared++;
            }
        }
        assertTrue(compared >= 12, "windows compared: " + compared);
        Window last = p.windows.get(p.windows.size() - 1);
        assertTrue(last.decision().gavg() > 2 * last.fromGradient(), last.toString());
    }
}

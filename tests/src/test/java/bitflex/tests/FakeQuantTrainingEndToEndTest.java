package bitflex.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.Rounding;
import bitflex.engine.parallel.Parallel;
import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.nn.data.Dataset;
import bitflex.nn.data.FashionMnist;
import bitflex.nn.data.Normalization;
import bitflex.nn.layers.CrossEntropyLoss;
import bitflex.nn.models.Models;
import bitflex.nn.optim.SGD;
import bitflex.nn.train.StepInfo;
import bitflex.nn.train.TrainResult;
import bitflex.nn.train.Trainer;
import bitflex.nn.train.TrainingListener;
import bitflex.precision.PrecisionDecision;
import bitflex.precision.adapt.AdaptParameters;
import bitflex.precision.rct.RctParameters;
import bitflex.precision.training.FakeQuantTraining;
import bitflex.precision.training.Policies;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * End to end across engine, nn and precision: the mlp trained in FAKE_QUANT mode on a slice of the
 * bundled Fashion-MNIST subset with each policy. Each run is about a second. Tagged {@code simd}:
 * the quantize, GEMM and conv kernels under it run again at forced 256 and 128 bits, and the
 * on-the-grid and 1-vs-2-thread checks must hold at every width.
 */
@Tag("simd")
class FakeQuantTrainingEndToEndTest {
    private static final int TRAIN = 2000;
    private static final int TEST = 500;
    private static final int BATCH = 32; // 63 steps: past AdaPT's first look-back (25) and RCT's window (50)
    private static final long SEED = 7;
    private static Dataset train;
    private static Dataset test;
    private static int threadsBefore;

    @BeforeAll
    static void load() throws IOException {
        FashionMnist.Splits s = FashionMnist.loadBundled(Normalization.FASHION_MNIST);
        train = s.train().head(TRAIN);
        test = s.test().head(TEST);
        threadsBefore = Parallel.threads();
    }

    @AfterAll
    static void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    /** What one run produced. */
    record Run(FakeQuantTraining quant, Module model, TrainResult result, GridCheck grid) {
        double accuracy() {
            return result.last().testAccuracy();
        }
    }

    /**
     * Checks, at every step, that the forward pass saw weights on the grid of the layer's format
     * (integer multiples of 2^-FL within the format's range), that the optimizer then got the float
     * masters back, and that no weight or master buffer was ever replaced (no per-step allocation).
     */
    static final class GridCheck implements TrainingListener {
        final FakeQuantTraining quant;
        final Module model;
        final Map<String, float[]> weightArrays = new LinkedHashMap<>();
        final Map<String, float[]> masterArrays = new LinkedHashMap<>();
        final List<FixedPointFormat> seen = new ArrayList<>();
        long steps;
        long offGrid;
        long masterMismatch;
        long notQuantizedAnywhere;

        GridCheck(FakeQuantTraining quant, Module model) {
            this.quant = quant;
            this.model = model;
            for (String l : quant.layers()) {
                weightArrays.put(l, weight(l).data());
                masterArrays.put(l, quant.master(l));
            }
        }

        Tensor weight(String l) {
            return model.namedParameters().get(l);
        }

        @Override
        public void afterForward(StepInfo step) {
            steps++;
            for (String l : quant.layers()) {
                FixedPointFormat f = quant.format(l);
                seen.add(f);
                float[] w = weight(l).data();
                assertSame(weightArrays.get(l), w, "weight buffer of " + l + " replaced");
                assertSame(masterArrays.get(l), quant.master(l), "master buffer of " + l + " replaced");
                double scale = Math.scalb(1.0, f.fracLength());
                boolean differs = false;
                for (int i = 0; i < w.length; i++) {
                    double k = w[i] * scale;
                    if (k != Math.rint(k) || k < f.minInt() || k > f.maxInt()) {
                        offGrid++;
                    }
                    differs |= w[i] != quant.master(l)[i];
                }
                if (!differs) {
                    notQuantizedAnywhere++;
                }
            }
        }

        @Override
        public void afterBackward(StepInfo step) {
            for (String l : quant.layers()) {
                if (!java.util.Arrays.equals(weight(l).data(), quant.master(l))) {
                    masterMismatch++;
                }
            }
        }
    }

    static Run train(String policy, int bits, int threads, int gradientBits, double lambda1) throws IOException {
        Parallel.setThreads(threads);
        Module model = Models.create("mlp", SEED);
        SGD sgd = new SGD(model.parameters(), 0.05, 0.9);
        FakeQuantTraining quant = new FakeQuantTraining(model, Policies.create(policy, bits, model), Rounding.NEAREST_EVEN,
                SEED, gradientBits, lambda1);
        GridCheck grid = new GridCheck(quant, model);
        Trainer trainer = new Trainer(model, sgd, new CrossEntropyLoss(), new Trainer.Config(1, BATCH, SEED))
                .addListener(quant).addListener(grid);
        TrainResult r = trainer.fit(train, test);
        return new Run(quant, model, r, grid);
    }

    static void assertSound(Run run) {
        GridCheck g = run.grid();
        assertEquals((TRAIN + BATCH - 1) / BATCH, g.steps);
        assertEquals(0, g.offGrid, "weights off the grid of their format during the forward pass");
        assertEquals(0, g.masterMismatch, "the optimizer must see the float32 masters");
        // Each layer's quantization moved some weight off its float master at every step.
        assertEquals(0, g.notQuantizedAnywhere);
        // Chance is 10%; a float32 mlp reaches about 75% on this slice.
        assertTrue(run.accuracy() > 0.6, "test accuracy " + run.accuracy());
        // Only weight matrices are quantized; the biases stay float32.
        assertEquals(List.of("1.weight", "3.weight", "5.weight"), run.quant().layers());
    }

    @Test
    void staticPolicyTrainsOnItsFixedGridWithQuantizedGradientsAndL1() throws IOException {
        Run run = train("static", 8, 2, 8, 1e-4);
        assertSound(run);
        for (FixedPointFormat f : run.grid().seen) {
            assertEquals(8, f.wordLength());
        }
        assertTrue(run.quant().decisions().stream().noneMatch(PrecisionDecision::changed));
        for (String l : run.quant().layers()) {
            assertEquals(8, run.quant().gradientFormat(l).wordLength());
        }
    }

    @Test
    void adaptPolicyTrainsWithinItsBounds() throws IOException {
        Run run = train("adapt", 8, 2, 0, 0);
        assertSound(run);
        AdaptParameters p = AdaptParameters.defaults();
        for (FixedPointFormat f : run.grid().seen) {
            assertTrue(f.wordLength() >= f.fracLength() + p.resultsBuffer() && f.wordLength() <= 32, f.toString());
            assertTrue(f.fracLength() >= p.minFracLength() && f.fracLength() <= 32 - p.resultsBuffer(), f.toString());
        }
        // 63 steps pass the first look-back of 25 steps: every layer has been decided on.
        for (String l : run.quant().layers()) {
            assertTrue(run.quant().decisions().stream().anyMatch(d -> d.layer().equals(l) && !d.kind().equals("initial")), l);
        }
    }

    @Test
    void rctPolicyTrainsWithinItsBounds() throws IOException {
        Run run = train("rct", 8, 2, 0, 0);
        assertSound(run);
        RctParameters p = RctParameters.defaults();
        for (FixedPointFormat f : run.grid().seen) {
            assertTrue(f.wordLength() >= p.minBits() && f.wordLength() <= p.maxBits(), f.toString());
        }
        for (String l : run.quant().layers()) {
            assertTrue(run.quant().decisions().stream().anyMatch(d -> d.layer().equals(l) && !d.kind().equals("initial")), l);
        }
    }

    @Test
    void oneAndTwoThreadsGiveIdenticalDecisionsAndWeights() throws IOException {
        for (String policy : List.of("adapt", "rct")) {
            Run one = train(policy, 8, 1, 8, 1e-4);
            Run two = train(policy, 8, 2, 8, 1e-4);
            assertFalse(one.quant().decisions().isEmpty(), policy);
            assertEquals(one.quant().decisions(), two.quant().decisions(), policy);
            for (String l : one.quant().layers()) {
                assertArrayEquals(one.quant().master(l), two.quant().master(l), policy + " " + l + " master");
                assertArrayEquals(one.model().namedParameters().get(l).data(), two.model().namedParameters().get(l).data(),
                        policy + " " + l + " quantized");
            }
            assertEquals(one.accuracy(), two.accuracy(), policy);
        }
    }

    @Test
    void restoringTheMastersGivesAPlainFloatModelAndBadSettingsAreRefused() throws IOException {
        Run run = train("static", 6, 2, 0, 0);
        String l = run.quant().layers().get(0);
        run.quant().restoreMasters();
        assertArrayEquals(run.quant().master(l), run.model().namedParameters().get(l).data());
        Module m = Models.create("mlp", SEED);
        assertThrows(IllegalArgumentException.class, () -> Policies.create("dynamic", 8, m));
        assertThrows(IllegalArgumentException.class, () -> Policies.create("rct", 3, m));
        assertThrows(IllegalArgumentException.class,
                () -> new FakeQuantTraining(m, Policies.create("adapt", 8, m), Rounding.NEAREST_EVEN, 0, 1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new FakeQuantTraining(m, Policies.create("adapt", 8, m), Rounding.NEAREST_EVEN, 0, 0, -1));
    }
}

package bitflex.precision.integer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.QTensor;
import bitflex.engine.fixed.Rounding;
import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.nn.data.Dataset;
import bitflex.nn.data.FashionMnist;
import bitflex.nn.data.Normalization;
import bitflex.nn.layers.CrossEntropyLoss;
import bitflex.nn.layers.Linear;
import bitflex.nn.layers.Sequential;
import bitflex.nn.models.Models;
import bitflex.nn.optim.SGD;
import bitflex.nn.train.TrainResult;
import bitflex.nn.train.Trainer;
import bitflex.precision.StaticPolicy;
import bitflex.precision.adapt.AdaptPolicy;
import bitflex.precision.training.Policies;
import bitflex.precision.training.TrainingMode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;
import bitflex.nn.checkpoint.CheckpointIO;
import bitflex.precision.PrecisionDecision;
import bitflex.precision.PrecisionPolicy;
import bitflex.precision.adapt.AdaptParameters;
import bitflex.precision.rct.RctParameters;

/** Integer-mode building blocks: conversion of the zoo, format changes, the update, and the refusals. */
@Tag("simd")
class IntegerTrainingTest {

    private static IntegerTraining mlp(int bits) {
        Module fp = Models.create("mlp", 3);
        return new IntegerTraining(fp, Policies.create("static", bits, fp), IntegerOptions.defaults(3));
    }

    @Test
    void weightsLiveOnlyAsIntegersInTheirStorage() {
        for (int bits : new int[] {4, 8, 12, 16}) {
            IntegerTraining it = mlp(bits);
            assertEquals(TrainingMode.INTEGER, it.mode());
            assertTrue(it.model().parameters().isEmpty(), "the integer mlp registers no float tensor");
            assertTrue(it.model().stateDict().names().isEmpty(), "nothing float to save");
            for (String l : it.layers()) {
                QTensor w = it.layer(l).weight();
                assertEquals(bits <= 8 ? byte[].class : short[].class, w.storage().getClass(), l);
                assertEquals((long) w.size() * (bits <= 8 ? 1 : 2), it.weightBytes(l));
                assertEquals(0, it.masterCopyBytes(l));
                assertEquals(bits, it.weightFormat(l).wordLength());
                assertEquals(16, it.layer(l).bias().format().wordLength());
                assertEquals(2L * it.layer(l).bias().size(), it.biasBytes(l));
            }
        }
    }

    @Test
    void initialWeightsAreTheNearestGridValuesOfTheFloatOnes() {
        Module fp = Models.create("lenet5", 5);
        Map<String, Tensor> params = fp.namedParameters();
        IntegerTraining it = new IntegerTraining(fp, Policies.create("rct", 8, fp), IntegerOptions.defaults(5));
        for (String l : it.layers()) {
            float[] orig = params.get(l).data();
            float[] got = it.weights(l);
            double step = it.weightFormat(l).step();
            for (int i = 0; i < orig.length; i++) {
                assertTrue(Math.abs(got[i] - orig[i]) <= step / 2, l + "[" + i + "]");
            }
        }
    }

    @Test
    void formatChangesConvertExactly() {
        IntegerTraining it = mlp(8);
        IntegerLayer layer = it.layer("3.weight");
        FixedPointFormat f = layer.weight().format();
        float[] before = it.weights("3.weight");
        // One more fractional bit and four more bits of width: exact shifts, short storage.
        layer.convertWeights(FixedPointFormat.signed(12, f.fracLength() + 1));
        assertArrayEquals(before, it.weights("3.weight"));
        assertEquals(short[].class, layer.weight().storage().getClass());
        layer.convertWeights(FixedPointFormat.signed(8, f.fracLength()));
        assertArrayEquals(before, it.weights("3.weight"));
        assertEquals(byte[].class, layer.weight().storage().getClass());
        // One fractional bit fewer: each weight moves to a neighbour on the coarser grid, unbiased.
        layer.convertWeights(FixedPointFormat.signed(8, f.fracLength() - 1));
        float[] after = it.weights("3.weight");
        double step = f.step();
        double drift = 0;
        int moved = 0;
        for (int i = 0; i < before.length; i++) {
            double d = after[i] - before[i];
            assertTrue(Math.abs(d) <= step, "moved by more than the dropped step at " + i);
            assertEquals(0, Math.IEEEremainder(after[i], 2 * step), 0, "off the coarser grid at " + i);
            drift += d;
            moved += d != 0 ? 1 : 0;
        }
        assertTrue(moved > 0);
        // Odd integers move half a coarse step up or down with probability 1/2: mean drift ~ 0.
        assertTrue(Math.abs(drift / moved) < 0.1 * step, "biased conversion: " + drift / moved);
    }

    @Test
    void updatesSmallerThanOneStepSurviveInExpectation() {
        Module fp = new Sequential(new Linear(64, 64, 1));
        IntegerTraining it = new IntegerTraining(fp, StaticPolicy.uniform(FixedPointFormat.signed(8, 6)),
                IntegerOptions.defaults(1));
        IntegerLayer layer = it.layer("0.weight");
        float[] w0 = it.weights("0.weight");
        // A weight gradient of 1 everywhere (16-bit, FL 0) and lr 0.2 * 2^-6: every update is -0.2 steps.
        short[] g = new short[64 * 64];
        java.util.Arrays.fill(g, (short) 1);
        layer.storeGradients(QTensor.of(FixedPointFormat.signed(16, 0), g, 64, 64), null, 0);
        layer.update(0.2 * Math.scalb(1.0, -6));
        float[] w1 = it.weights("0.weight");
        double sum = 0;
        for (int i = 0; i < w0.length; i++) {
            double steps = (w1[i] - w0[i]) * 64;
            assertTrue(steps == 0 || steps == -1, "moved " + steps + " steps");
            sum += steps;
        }
        double mean = sum / w0.length;
        assertEquals(-0.2, mean, 5 * Math.sqrt(0.2 * 0.8 / w0.length), "mean update in steps");
    }

    @Test
    void updatesThatLeaveTheRangeGrowItInsteadOfSaturating() {
        Module fp = new Sequential(new Linear(4, 2, 1));
        IntegerTraining it = new IntegerTraining(fp, StaticPolicy.uniform(FixedPointFormat.signed(8, 8)), IntegerOptions.defaults(1));
        IntegerLayer layer = it.layer("0.weight");
        short[] g = new short[8];
        java.util.Arrays.fill(g, (short) -1);
        layer.storeGradients(QTensor.of(FixedPointFormat.signed(16, 0), g, 2, 4), null, 0);
        layer.update(1.0); // +1.0 to every weight: far beyond the range [-0.5, 0.5) of FL 8
        float[] w = it.weights("0.weight");
        assertTrue(layer.weight().format().fracLength() < 8, layer.weight().format().toString());
        for (float v : w) {
            assertTrue(v > 0.5 && v < 1.5, "weight " + v);
        }
        // The static policy insists on its format: converting back saturates.
        layer.convertWeights(FixedPointFormat.signed(8, 8));
        for (float v : it.weights("0.weight")) {
            assertEquals(127 / 256.0, v, 0);
        }
    }

    @Test
    void resnet20AndAlexnetTrainWithFloatBatchNormAndDropoutBetweenIntegerLayers() throws IOException {
        FashionMnist.Splits s = FashionMnist.loadBundled(Normalization.FASHION_MNIST);
        Dataset train = s.train().head(32);
        for (String name : new String[] {"alexnet", "resnet20"}) {
            Module fp = Models.create(name, 2);
            IntegerTraining it = new IntegerTraining(fp, Policies.create("rct", 8, fp), IntegerOptions.defaults(2).withMomentum(0.9));
            Module m = it.model();
            if (name.equals("alexnet")) {
                assertEquals(7, it.layers().size());
                assertTrue(m.parameters().isEmpty());
            } else {
                assertEquals(1 + 18 + 2 + 1, it.layers().size());
                assertTrue(it.layers().contains("6.downsample.0.weight"), it.layers().toString());
                assertTrue(!m.parameters().isEmpty() && m.parameters().stream().allMatch(p -> p.dim() == 1),
                        "only batch norm's scales and shifts stay float");
            }
            Map<String, float[]> before = new java.util.HashMap<>();
            for (String l : it.layers()) {
                before.put(l, it.weights(l));
            }
            TrainResult r = new Trainer(m, new SGD(m.parameters(), 0.05, 0.9), new CrossEntropyLoss(), new Trainer.Config(1, 16, 2))
                    .addListener(it).fit(train, null);
            assertTrue(Double.isFinite(r.last().trainLoss()), name);
            for (String l : it.layers()) {
                assertNotEquals(java.util.Arrays.toString(before.get(l)), java.util.Arrays.toString(it.weights(l)), name + " " + l);
            }
        }
    }

    /** One run of the mlp on 256 images, RCT with a 3-step window so formats move within the run. */
    private static Trainer trainer(int epochs, Dataset train, IntegerTraining[] out) {
        Module fp = Models.create("mlp", 4);
        PrecisionPolicy policy = Policies.create("rct", 8, fp, AdaptParameters.defaults(),
                RctParameters.builder().window(3).minUpdate(0.5).build());
        IntegerTraining it = new IntegerTraining(fp, policy, IntegerOptions.defaults(4).withMomentum(0.9));
        out[0] = it;
        Module m = it.model();
        return new Trainer(m, new SGD(m.parameters(), 0.05, 0.9), new CrossEntropyLoss(), new Trainer.Config(epochs, 32, 4))
                .addListener(it);
    }

    @Test
    void checkpointAndResumeContinueBitIdentically(@TempDir Path dir) throws IOException {
        Dataset train = FashionMnist.loadBundled(Normalization.FASHION_MNIST).train().head(256);
        IntegerTraining[] whole = new IntegerTraining[1];
        trainer(2, train, whole).fit(train, null);

        IntegerTraining[] first = new IntegerTraining[1];
        Trainer t1 = trainer(1, train, first);
        t1.fit(train, null);
        Path ck = dir.resolve("int.ckpt");
        t1.save(ck);
        IntegerTraining[] second = new IntegerTraining[1];
        Trainer t2 = trainer(2, train, second);
        t2.restore(CheckpointIO.read(ck));
        t2.fit(train, null);

        assertTrue(whole[0].decisions().stream().anyMatch(PrecisionDecision::changed), "formats moved during the run");
        assertEquals(whole[0].decisions(), second[0].decisions());
        for (String l : whole[0].layers()) {
            assertEquals(whole[0].weightFormat(l), second[0].weightFormat(l), l);
            assertArrayEquals(whole[0].weights(l), second[0].weights(l), l);
            assertArrayEquals(whole[0].biasValues(l), second[0].biasValues(l), l);
            assertEquals(whole[0].optimizerStateBytes(l), second[0].optimizerStateBytes(l), l);
        }

        // Another policy or other options do not fit the checkpoint.
        Module fp = Models.create("mlp", 4);
        IntegerTraining other = new IntegerTraining(fp, Policies.create("rct", 8, fp, AdaptParameters.defaults(),
                RctParameters.builder().window(3).minUpdate(0.5).build()), IntegerOptions.defaults(4));
        Module m = other.model();
        Trainer t3 = new Trainer(m, new SGD(m.parameters(), 0.05, 0.9), new CrossEntropyLoss(), new Trainer.Config(2, 32, 4))
                .addListener(other);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t3.restore(CheckpointIO.read(ck)));
        assertTrue(e.getMessage().contains("momentum"), e.getMessage());
    }

    @Test
    void unsupportedModelsFormatsAndSettingsAreRefused() {
        Module custom = new Sequential(new Linear(4, 4, 1), new Module() {
            @Override
            public Tensor forward(Tensor x) {
                return x;
            }
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new IntegerTraining(custom, StaticPolicy.uniform(FixedPointFormat.signed(8, 4)), IntegerOptions.defaults(0)));
        assertTrue(e.getMessage().contains("layer '1'") && e.getMessage().contains("no integer implementation"), e.getMessage());

        Module fp = Models.create("mlp", 1);
        e = assertThrows(IllegalArgumentException.class,
                () -> new IntegerTraining(fp, Policies.create("static", 20, fp), IntegerOptions.defaults(0)));
        assertTrue(e.getMessage().contains("1.weight") && e.getMessage().contains("16"), e.getMessage());

        // AdaPT may choose word lengths above 16; the integer mode says so when it happens.
        IntegerTraining adapt = new IntegerTraining(Models.create("mlp", 1), new AdaptPolicy(), IntegerOptions.defaults(0));
        e = assertThrows(IllegalArgumentException.class, () -> adapt.layer("1.weight").convertWeights(FixedPointFormat.signed(20, 12)));
        assertTrue(e.getMessage().contains("1.weight"), e.getMessage());

        assertThrows(IllegalArgumentException.class, () -> IntegerOptions.defaults(0).withActivationBits(17));
        assertThrows(IllegalArgumentException.class, () -> IntegerOptions.defaults(0).withGradientBits(1));
        assertThrows(IllegalArgumentException.class, () -> IntegerOptions.defaults(0).withMomentum(1));
        assertThrows(IllegalArgumentException.class, () -> new IntegerTraining(new Sequential(), StaticPolicy.uniform(
                FixedPointFormat.signed(8, 4)), IntegerOptions.defaults(0)));
        assertThrows(IllegalArgumentException.class, () -> mlp(8).layer("9.weight"));

        // A layer reached twice by one backward pass (shared) is refused, not silently summed.
        IntegerTraining it = mlp(8);
        Tensor x = Tensor.of(new float[2 * 784], 2, 1, 28, 28);
        Tensor y = it.model().apply(x).add(it.model().apply(x));
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> y.sum().backward());
        assertTrue(twice.getMessage().contains("second backward pass"), twice.getMessage());
        assertEquals(Rounding.STOCHASTIC, IntegerOptions.defaults(0).gradientRounding());
    }

    /** Delegates to a static policy; records what afterBackward was handed and checks it against the layer. */
    static final class WeightsProbe implements PrecisionPolicy {
        final StaticPolicy inner = StaticPolicy.uniform(FixedPointFormat.signed(8, 5));
        final boolean reads;
        IntegerTraining it;
        int calls;
        int nullWeights;

        WeightsProbe(boolean reads) {
            this.reads = reads;
        }

        @Override public String name() { return "probe"; }
        @Override public FixedPointFormat register(String layer, float[] w) { return inner.register(layer, w); }
        @Override public FixedPointFormat format(String layer) { return inner.format(layer); }
        @Override public List<String> layers() { return inner.layers(); }
        @Override public List<PrecisionDecision> decisions() { return inner.decisions(); }
        @Override public boolean readsWeightsAfterBackward() { return reads; }

        @Override
        public void afterBackward(long step, String layer, float[] weights, float[] gradients, double lr) {
            calls++;
            if (weights == null) {
                nullWeights++;
            } else {
                assertArrayEquals(it.weights(layer), weights, layer + ": the weights of this step's forward");
            }
        }

        @Override
        public List<PrecisionDecision> afterStep(long step, double loss, bitflex.precision.LayerWeights weights) {
            return inner.afterStep(step, loss, weights);
        }
    }

    @Test
    void afterBackwardGetsDequantizedWeightsOnlyWhenThePolicyReadsThem() throws IOException {
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        float[] x = new float[64 * 16];
        int[] y = new int[64];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < y.length; i++) y[i] = r.nextInt(10);
        Dataset data = new Dataset("random", x, y, 1, 4, 4, 10);
        for (boolean reads : new boolean[] {true, false}) {
            WeightsProbe probe = new WeightsProbe(reads);
            Module fp = new Sequential(new bitflex.nn.layers.Flatten(), new Linear(16, 10, 1));
            IntegerTraining it = new IntegerTraining(fp, probe, IntegerOptions.defaults(1));
            probe.it = it;
            new Trainer(it.model(), new SGD(it.model().parameters(), 0.05, 0), new CrossEntropyLoss(),
                    new Trainer.Config(1, 16, 1)).addListener(it).fit(data, null);
            assertEquals(4, probe.calls);
            assertEquals(reads ? 0 : 4, probe.nullWeights, "reads " + reads);
        }
        assertTrue(!new StaticPolicy(Map.of(), FixedPointFormat.signed(8, 4)).readsWeightsAfterBackward());
        assertTrue(!Policies.create("rct", 8, Models.create("mlp", 1)).readsWeightsAfterBackward());
        assertTrue(!Policies.create("adapt", 8, Models.create("mlp", 1)).readsWeightsAfterBackward());
    }
}

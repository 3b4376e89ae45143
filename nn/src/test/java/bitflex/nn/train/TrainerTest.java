package bitflex.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.parallel.Parallel;
import bitflex.nn.Module;
import bitflex.nn.checkpoint.Checkpoint;
import bitflex.nn.checkpoint.CheckpointIO;
import bitflex.nn.data.Dataset;
import bitflex.nn.data.FashionMnist;
import bitflex.nn.data.Normalization;
import bitflex.nn.layers.CrossEntropyLoss;
import bitflex.nn.models.Models;
import bitflex.nn.optim.Adam;
import bitflex.nn.optim.LrSchedule;
import bitflex.nn.optim.Optimizer;
import bitflex.nn.optim.SGD;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end training on the bundled Fashion-MNIST subset, checkpoints and resume. */
@Tag("simd")
class TrainerTest {
    static Dataset train;
    static Dataset test;

    @BeforeAll
    static void load() throws IOException {
        FashionMnist.Splits s = FashionMnist.loadBundled(Normalization.FASHION_MNIST);
        train = s.train().head(3000);
        test = s.test().head(1000);
    }

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static Trainer trainer(String model, String opt, long seed, int epochs, int batch) {
        Module m = Models.create(model, seed);
        Optimizer o = opt.equals("sgd") ? new SGD(m.parameters(), 0.05, 0.9) : new Adam(m.parameters(), 1e-3);
        return new Trainer(m, o, new CrossEntropyLoss(), new Trainer.Config(epochs, batch, seed));
    }

    @Test
    void mlpLearnsFashionMnistSliceFarAboveChance() throws IOException {
        Trainer t = trainer("mlp", "sgd", 1, 2, 32);
        List<String> events = new ArrayList<>();
        t.addListener(new TrainingListener() {
            @Override
            public void beforeForward(StepInfo s) {
                if (s.step() == 0) {
                    events.add("before");
                }
            }

            @Override
            public void afterForward(StepInfo s) {
                if (s.step() == 0) {
                    events.add("forward");
                    assertEquals(32, s.batchSize());
                    assertEquals(10, s.output().size(1));
                }
            }

            @Override
            public void afterBackward(StepInfo s) {
                if (s.step() == 0) {
                    events.add("backward");
                    assertTrue(s.model().parameters().get(0).grad() != null);
                }
            }

            @Override
            public void afterStep(StepInfo s) {
                if (s.step() == 0) {
                    events.add("step");
                    assertEquals(1, s.optimizer().steps());
                }
            }

            @Override
            public void afterEpoch(EpochResult r) {
                events.add("epoch" + r.epoch());
            }
        });
        TrainResult r = t.fit(train, test);
        assertEquals(List.of("before", "forward", "backward", "step", "epoch0", "epoch1"), events);
        assertEquals(2, r.epochs().size());
        EpochResult last = r.last();
        assertTrue(last.testAccuracy() > 0.70, "test accuracy " + last.testAccuracy());
        assertTrue(last.trainLoss() < r.epochs().get(0).trainLoss());
        assertEquals(3000, last.samples());
        assertTrue(last.samplesPerSecond() > 0);
        assertFalse(r.stopped());
        EvalResult ev = Trainer.evaluate(t.model(), new CrossEntropyLoss(), test, 256);
        assertEquals(last.testAccuracy(), ev.accuracy(), 1e-12, "evaluation is independent of its batch size");
        assertTrue(t.model().isTraining(), "evaluate restores the mode");
    }

    @Test
    void trainOnSomeClassesThenAdaptToOthers() throws IOException {
        int[] first = {0, 1, 7};
        int[] rest = bitflex.nn.data.ClassSubset.complement(10, first);
        Dataset a = bitflex.nn.data.ClassSubset.of(train, first, false);
        Dataset b = bitflex.nn.data.ClassSubset.of(train.head(1500), rest, false);
        Module m = Models.create("mlp", 2);
        Trainer t1 = new Trainer(m, new SGD(m.parameters(), 0.05, 0.9), new CrossEntropyLoss(), new Trainer.Config(1, 32, 2));
        EpochResult r1 = t1.fit(a, bitflex.nn.data.ClassSubset.of(test, first, false)).last();
        assertTrue(r1.testAccuracy() > 0.9, "3-class accuracy " + r1.testAccuracy());
        // Adapt the same network to the other seven classes with a few hundred samples.
        Trainer t2 = new Trainer(m, new SGD(m.parameters(), 0.02, 0.9), new CrossEntropyLoss(), new Trainer.Config(2, 32, 3));
        EpochResult r2 = t2.fit(b, bitflex.nn.data.ClassSubset.of(test, rest, false)).last();
        assertTrue(r2.testAccuracy() > 0.6, "7-class accuracy after adaptation " + r2.testAccuracy());
    }

    @Test
    void sameSeedSameResultForAnyThreadCount() throws IOException {
        Parallel.setThreads(1);
        Trainer a = trainer("lenet5", "sgd", 3, 1, 50);
        a.fit(train.head(400), null);
        Parallel.setThreads(2);
        Trainer b = trainer("lenet5", "sgd", 3, 1, 50);
        b.fit(train.head(400), null);
        assertEquals(a.model().stateDict(), b.model().stateDict());
    }

    /** Every layer kind (conv with stride, batch norm, residual blocks, pooling, dropout) in one small net. */
    private static Module allLayers(long seed) {
        return new bitflex.nn.layers.Sequential(new bitflex.nn.layers.Conv2d(1, 8, 3, 2, 1, false, seed),
                new bitflex.nn.layers.BatchNorm2d(8), new bitflex.nn.layers.ReLU(),
                new bitflex.nn.layers.ResidualBlock(8, 8, 1, seed + 1), new bitflex.nn.layers.ResidualBlock(8, 16, 2, seed + 2),
                new bitflex.nn.layers.AvgPool2d(7), new bitflex.nn.layers.Flatten(), new bitflex.nn.layers.Dropout(0.2, seed + 3),
                new bitflex.nn.layers.Linear(16, 10, seed + 4));
    }

    @Test
    void everyLayerKindIsThreadCountIndependent() throws IOException {
        Checkpoint[] states = new Checkpoint[2];
        for (int t = 1; t <= 2; t++) {
            Parallel.setThreads(t);
            Module m = allLayers(11);
            Trainer tr = new Trainer(m, new SGD(m.parameters(), 0.05, 0.9), new CrossEntropyLoss(), new Trainer.Config(1, 32, 4));
            tr.fit(train.head(256), null);
            states[t - 1] = m.stateDict().putAll("extra.", m.extraState());
        }
        assertEquals(states[0], states[1]);
        assertTrue(states[0].getLong("1.num_batches_tracked") == 8);
    }

    @Test
    void resumeMidEpochIsBitIdentical(@TempDir Path dir) throws IOException {
        Dataset slice = train.head(640);
        for (String opt : new String[] {"sgd", "adam"}) {
            Trainer full = trainer("mlp", opt, 5, 2, 64).setSchedule(LrSchedule.warmup(3, LrSchedule.cosine(20, 0)));
            full.fit(slice, null);

            Trainer first = trainer("mlp", opt, 5, 2, 64).setSchedule(LrSchedule.warmup(3, LrSchedule.cosine(20, 0)));
            Path ck = dir.resolve(opt + ".ckpt");
            first.setCheckpointPath(ck).putMetadata("model", "mlp");
            first.addListener(new TrainingListener() {
                @Override
                public void afterStep(StepInfo s) {
                    if (s.step() == 12) {
                        s.trainer().requestStop();
                    }
                }
            });
            TrainResult partial = first.fit(slice, null);
            assertTrue(partial.stopped());
            assertEquals(1, partial.epochs().size());

            Trainer resumed = trainer("mlp", opt, 99, 2, 64).setSchedule(LrSchedule.warmup(3, LrSchedule.cosine(20, 0)));
            Checkpoint c = CheckpointIO.read(ck);
            assertThrows(IllegalArgumentException.class, () -> resumed.restore(c), "a different seed is refused");
            Trainer resumed2 = trainer("mlp", opt, 5, 2, 64).setSchedule(LrSchedule.warmup(3, LrSchedule.cosine(20, 0)));
            resumed2.restore(c);
            assertEquals(13, resumed2.step());
            assertEquals("mlp", resumed2.metadata().get("model"));
            TrainResult rest = resumed2.fit(slice, null);
            assertEquals(full.model().stateDict(), resumed2.model().stateDict(), opt);
            assertEquals(full.optimizer().state(), resumed2.optimizer().state(), opt);
            assertEquals(full.history().get(1).trainLoss(), rest.last().trainLoss(), 0.0, opt);
            assertEquals(2, rest.epochs().size());
        }
    }

    @Test
    void dropoutModelResumesBitIdentically(@TempDir Path dir) throws IOException {
        Dataset slice = train.head(256);
        Trainer full = trainer("alexnet", "sgd", 8, 1, 64);
        full.fit(slice, null);
        Trainer first = trainer("alexnet", "sgd", 8, 1, 64);
        first.addListener(new TrainingListener() {
            @Override
            public void afterStep(StepInfo s) {
                if (s.step() == 1) {
                    s.trainer().requestStop();
                }
            }
        });
        first.fit(slice, null);
        Path ck = dir.resolve("a.ckpt");
        first.save(ck);
        Trainer resumed = trainer("alexnet", "sgd", 8, 1, 64);
        resumed.restore(CheckpointIO.read(ck));
        resumed.fit(slice, null);
        assertEquals(full.model().stateDict(), resumed.model().stateDict());
    }

    @Test
    void aRefusedCheckpointLeavesTheTrainerAsItWas(@TempDir Path dir) throws IOException {
        Dataset slice = train.head(128);
        Trainer sgd = trainer("mlp", "sgd", 6, 1, 64);
        sgd.fit(slice, null);
        Checkpoint fromSgd = sgd.checkpoint();

        Trainer adam = trainer("mlp", "adam", 6, 1, 64);
        adam.fit(slice.head(64), null);
        Checkpoint model = adam.model().stateDict();
        Checkpoint optim = adam.optimizer().state();
        long step = adam.step();
        // The model part loads first and would succeed; the optimizer part is for SGD and is refused.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> adam.restore(fromSgd));
        assertTrue(e.getMessage().contains("sgd"), e.getMessage());
        assertEquals(model, adam.model().stateDict(), "the model is put back");
        assertEquals(optim, adam.optimizer().state(), "the optimizer is put back");
        assertEquals(step, adam.step(), "the position is put back");
    }
}

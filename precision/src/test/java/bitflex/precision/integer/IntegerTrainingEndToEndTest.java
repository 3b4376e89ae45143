package bitflex.precision.integer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.Storage;
import bitflex.engine.parallel.Parallel;
import bitflex.nn.Module;
import bitflex.nn.data.Dataset;
import bitflex.nn.data.FashionMnist;
import bitflex.nn.data.Normalization;
import bitflex.nn.layers.CrossEntropyLoss;
import bitflex.nn.models.Models;
import bitflex.nn.optim.SGD;
import bitflex.nn.train.TrainResult;
import bitflex.nn.train.Trainer;
import bitflex.precision.training.Policies;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Integer-mode training end to end inside the ordinary Trainer, on a slice of the bundled
 * Fashion-MNIST subset. Tagged {@code simd}: the integer GEMM, convolution and quantization kernels
 * under it run again at forced 256 and 128 bits.
 */
@Tag("simd")
class IntegerTrainingEndToEndTest {
    private static final int TRAIN = 2000;
    private static final int TEST = 500;
    private static final int BATCH = 32;
    private static final int SMALL_BATCH = 8;
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

    record Run(IntegerTraining it, TrainResult result) {
        double accuracy() {
            return result.last().testAccuracy();
        }
    }

    static Run train(String model, String policy, int bits, int threads, int epochs) throws IOException {
        return train(model, policy, bits, threads, epochs, train);
    }

    static Run train(String model, String policy, int bits, int threads, int epochs, Dataset data) throws IOException {
        Parallel.setThreads(threads);
        Module fp = Models.create(model, SEED);
        IntegerTraining it = new IntegerTraining(fp, Policies.create(policy, bits, fp),
                IntegerOptions.defaults(SEED).withMomentum(0.9));
        Module m = it.model();
        Trainer trainer = new Trainer(m, new SGD(m.parameters(), 0.05, 0.9), new CrossEntropyLoss(),
                new Trainer.Config(epochs, data == train ? BATCH : SMALL_BATCH, SEED)).addListener(it);
        return new Run(it, trainer.fit(data, test));
    }

    @Test
    void mlpTrainsWellAboveChanceWithNoMasterCopy() throws IOException {
        Run run = train("mlp", "rct", 8, 2, 1);
        assertTrue(run.accuracy() > 0.6, "test accuracy " + run.accuracy());
        assertEquals(List.of("1.weight", "3.weight", "5.weight"), run.it().layers());
        assertTrue(run.it().model().parameters().isEmpty(), "no float parameters in an integer mlp");
        for (String l : run.it().layers()) {
            assertEquals(0, run.it().masterCopyBytes(l));
            IntegerLayer layer = run.it().layer(l);
            FixedPointFormat f = run.it().weightFormat(l);
            Storage st = f.storage();
            assertEquals((long) layer.weight().size() * st.bits / 8, run.it().weightBytes(l));
            assertEquals(st == Storage.BYTE ? byte[].class : short[].class, layer.weight().storage().getClass());
        }
    }

    @Test
    void lenet5TrainsWellAboveChanceWithEveryWeightOnItsIntegerGrid() throws IOException {
        // Two epochs (126 steps): after one, LeNet-5 is still in its noisy start (float32 with the same
        // settings reaches 44-67% depending on the seed, and integer mode does as well).
        Run run = train("lenet5", "rct", 8, 2, 2);
        // Chance is 10%.
        assertTrue(run.accuracy() > 0.6, "test accuracy " + run.accuracy());
        assertEquals(List.of("0.weight", "3.weight", "7.weight", "9.weight", "11.weight"), run.it().layers());
        for (String l : run.it().layers()) {
            IntegerLayer layer = run.it().layer(l);
            assertEquals(run.it().policy().format(l), layer.weight().format(), "weights are in the policy's format");
            assertEquals(8, run.it().activationFormat(l).wordLength());
            assertEquals(8, run.it().gradientFormat(l).wordLength());
            assertTrue(run.it().optimizerStateBytes(l) > 0, "fixed-point momentum state");
            assertTrue(layer.weightGradient() == null, "gradients are consumed by the update");
        }
        // RCT ran its windows (K = 50 steps) and logged a decision per layer.
        for (String l : run.it().layers()) {
            assertTrue(run.it().decisions().stream().anyMatch(d -> d.layer().equals(l) && !d.kind().equals("initial")), l);
        }
    }

    @Test
    void oneAndTwoThreadsGiveIdenticalIntegerWeightsAndDecisions() throws IOException {
        for (String model : List.of("mlp", "lenet5")) {
            // 70 steps of 8: past RCT's first window, so format changes are compared too.
            Run one = train(model, "rct", 8, 1, 1, train.head(560));
            Run two = train(model, "rct", 8, 2, 1, train.head(560));
            assertEquals(one.it().decisions(), two.it().decisions(), model);
            for (String l : one.it().layers()) {
                IntegerLayer a = one.it().layer(l);
                IntegerLayer b = two.it().layer(l);
                assertEquals(a.weight().format(), b.weight().format(), model + " " + l);
                assertArrayEquals(one.it().weights(l), two.it().weights(l), model + " " + l);
                assertArrayEquals(one.it().biasValues(l), two.it().biasValues(l), model + " " + l + " bias");
            }
            assertEquals(one.accuracy(), two.accuracy(), model);
        }
    }
}

package bitflex.precision.integer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.parallel.Parallel;
import bitflex.nn.Module;
import bitflex.nn.checkpoint.CheckpointIO;
import bitflex.nn.data.Dataset;
import bitflex.nn.data.FashionMnist;
import bitflex.nn.data.Normalization;
import bitflex.nn.layers.CrossEntropyLoss;
import bitflex.nn.models.Models;
import bitflex.nn.optim.SGD;
import bitflex.nn.train.Trainer;
import bitflex.precision.training.Policies;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The L1 sparsification penalty in integer mode: sparser weights, determinism, resume, refusals. */
@Tag("simd")
class IntegerL1Test {
    private static final long SEED = 5;
    private static Dataset train;
    private static int threadsBefore;

    @BeforeAll
    static void load() throws IOException {
        train = FashionMnist.loadBundled(Normalization.FASHION_MNIST).train().head(256);
        threadsBefore = Parallel.threads();
    }

    @AfterAll
    static void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    private static Trainer trainer(double lambda1, double momentum, int epochs, IntegerTraining[] out) {
        Module fp = Models.create("mlp", SEED);
        IntegerTraining it = new IntegerTraining(fp, Policies.create("static", 8, fp),
                IntegerOptions.defaults(SEED).withMomentum(momentum).withLambda1(lambda1));
        out[0] = it;
        Module m = it.model();
        return new Trainer(m, new SGD(m.parameters(), 0.05, momentum), new CrossEntropyLoss(),
                new Trainer.Config(epochs, 32, SEED)).addListener(it);
    }

    private static IntegerTraining run(double lambda1, double momentum, int threads) throws IOException {
        Parallel.setThreads(threads);
        IntegerTraining[] it = new IntegerTraining[1];
        trainer(lambda1, momentum, 1, it).fit(train, null);
        return it[0];
    }

    private static long zeros(IntegerTraining it) {
        long z = 0;
        for (String l : it.layers()) {
            z += it.weightZeros(l);
        }
        return z;
    }

    private static void assertSameWeights(IntegerTraining a, IntegerTraining b) {
        for (String l : a.layers()) {
            assertEquals(a.weightFormat(l), b.weightFormat(l), l);
            assertArrayEquals(a.weights(l), b.weights(l), l);
            assertArrayEquals(a.biasValues(l), b.biasValues(l), l);
        }
    }

    @Test
    void l1LeavesMoreExactZeroWeightCodes() throws IOException {
        for (double mu : new double[] {0, 0.9}) {
            long plain = zeros(run(0, mu, 2));
            long sparse = zeros(run(0.02, mu, 2));
            assertTrue(sparse > plain + plain / 10, "momentum " + mu + ": zeros with L1 " + sparse + ", without " + plain);
        }
    }

    @Test
    void aPushThatAlwaysRoundsToZeroIsBitIdenticalToNoL1() throws IOException {
        // lambda1 2^FLg far below 2^-24 never rounds up: the widened-gradient path must then apply
        // exactly what the plain one does, with and without momentum.
        for (double mu : new double[] {0, 0.9}) {
            assertSameWeights(run(0, mu, 2), run(1e-30, mu, 2));
        }
    }

    @Test
    void oneAndTwoThreadsAgree() throws IOException {
        assertSameWeights(run(0.02, 0.9, 1), run(0.02, 0.9, 2));
    }

    @Test
    void resumeWithL1IsBitIdenticalAndRefusesAnotherLambda1(@TempDir Path dir) throws IOException {
        Parallel.setThreads(2);
        IntegerTraining[] whole = new IntegerTraining[1];
        trainer(0.02, 0.9, 2, whole).fit(train, null);
        IntegerTraining[] first = new IntegerTraining[1];
        Trainer t1 = trainer(0.02, 0.9, 1, first);
        t1.fit(train, null);
        Path ck = dir.resolve("l1.ckpt");
        t1.save(ck);
        IntegerTraining[] second = new IntegerTraining[1];
        Trainer t2 = trainer(0.02, 0.9, 2, second);
        t2.restore(CheckpointIO.read(ck));
        t2.fit(train, null);
        assertSameWeights(whole[0], second[0]);

        IntegerTraining[] other = new IntegerTraining[1];
        Trainer t3 = trainer(0.01, 0.9, 2, other);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t3.restore(CheckpointIO.read(ck)));
        assertTrue(e.getMessage().contains("lambda1"), e.getMessage());
    }

    @Test
    void badLambda1IsRefusedNamingTheField() {
        for (double bad : new double[] {-1e-4, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> IntegerOptions.defaults(0).withLambda1(bad));
            assertTrue(e.getMessage().contains("IntegerOptions.lambda1") && e.getMessage().contains(Double.toString(bad)),
                    e.getMessage());
        }
        assertEquals(0, IntegerOptions.defaults(0).lambda1());
    }
}

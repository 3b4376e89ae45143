package bitflex.precision.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.fixed.Rounding;
import bitflex.nn.Module;
import bitflex.nn.checkpoint.Checkpoint;
import bitflex.nn.checkpoint.CheckpointIO;
import bitflex.nn.data.Dataset;
import bitflex.nn.layers.CrossEntropyLoss;
import bitflex.nn.models.Models;
import bitflex.nn.optim.SGD;
import bitflex.nn.train.Trainer;
import bitflex.precision.PrecisionPolicy;
import bitflex.precision.adapt.AdaptParameters;
import bitflex.precision.adapt.AdaptPolicy;
import bitflex.precision.ledger.TrainingLedgerTest;
import bitflex.precision.rct.RctParameters;
import bitflex.precision.rct.RctPolicy;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fake-quant run checkpointed after one epoch and resumed ends bit-identical to one that never stopped. */
class FakeQuantResumeTest {
    private static final Dataset DATA = TrainingLedgerTest.randomData(192);
    private static final int BATCH = 16; // 12 steps an epoch

    private record Run(Module model, Trainer trainer, FakeQuantTraining quant) {}

    private static Run build(Function<Module, PrecisionPolicy> policy, int epochs, Rounding rounding) {
        Module model = Models.create("mlp", 11);
        SGD opt = new SGD(model.parameters(), 0.05, 0.9);
        FakeQuantTraining quant = new FakeQuantTraining(model, policy.apply(model), rounding, 9, 8, 1e-4);
        Trainer t = new Trainer(model, opt, new CrossEntropyLoss(), new Trainer.Config(epochs, BATCH, 5));
        t.addListener(quant);
        return new Run(model, t, quant);
    }

    private static void resumesBitIdentically(Function<Module, PrecisionPolicy> policy, Rounding rounding, Path dir)
            throws Exception {
        Run whole = build(policy, 2, rounding);
        whole.trainer().fit(DATA, null);

        Run first = build(policy, 1, rounding);
        first.trainer().fit(DATA, null);
        Path file = dir.resolve("run.ckpt");
        first.trainer().save(file);

        Run rest = build(policy, 2, rounding);
        rest.trainer().restore(CheckpointIO.read(file));
        rest.trainer().fit(DATA, null);

        String name = whole.quant().policy().name();
        assertTrue(whole.quant().decisions().size() > whole.quant().layers().size() || name.equals("static"),
                name + ": decisions were taken");
        assertEquals(whole.quant().decisions(), rest.quant().decisions(), name);
        for (String l : whole.quant().layers()) {
            assertArrayEquals(whole.quant().master(l), rest.quant().master(l), name + " master " + l);
            assertEquals(whole.quant().format(l), rest.quant().format(l), name + " format " + l);
        }
        whole.model().namedParameters().forEach((k, v) ->
                assertArrayEquals(v.data(), rest.model().namedParameters().get(k).data(), name + " " + k));
    }

    @Test
    void staticPolicyResumes(@TempDir Path dir) throws Exception {
        resumesBitIdentically(m -> Policies.create("static", 6, m), Rounding.STOCHASTIC, dir);
    }

    @Test
    void adaptPolicyResumes(@TempDir Path dir) throws Exception {
        AdaptParameters p = AdaptParameters.builder().lookBack(3, 8).resolution(10, 20).build();
        resumesBitIdentically(m -> new AdaptPolicy(p), Rounding.NEAREST_EVEN, dir);
    }

    @Test
    void rctPolicyResumes(@TempDir Path dir) throws Exception {
        RctParameters p = RctParameters.builder().window(4).build();
        resumesBitIdentically(m -> new RctPolicy(p), Rounding.STOCHASTIC, dir);
    }

    @Test
    void mismatchedResumesAreRefused() throws Exception {
        Run first = build(m -> Policies.create("static", 6, m), 1, Rounding.NEAREST_EVEN);
        first.trainer().fit(DATA, null);
        Checkpoint c = first.trainer().checkpoint();

        Run otherPolicy = build(m -> new RctPolicy(), 2, Rounding.NEAREST_EVEN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> otherPolicy.trainer().restore(c));
        assertTrue(e.getMessage().contains("static policy"), e.getMessage());

        Run otherRounding = build(m -> Policies.create("static", 6, m), 2, Rounding.STOCHASTIC);
        e = assertThrows(IllegalArgumentException.class, () -> otherRounding.trainer().restore(c));
        assertTrue(e.getMessage().contains("rounding"), e.getMessage());

        Module model = Models.create("mlp", 11);
        Trainer plain = new Trainer(model, new SGD(model.parameters(), 0.05, 0.9), new CrossEntropyLoss(),
                new Trainer.Config(2, BATCH, 5));
        e = assertThrows(IllegalArgumentException.class, () -> plain.restore(c));
        assertTrue(e.getMessage().contains("fake_quant"), e.getMessage());

    }
}

package bitflex.precision.ledger;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.nn.Module;
import bitflex.nn.layers.CrossEntropyLoss;
import bitflex.nn.models.Models;
import bitflex.nn.optim.SGD;
import bitflex.nn.train.StepInfo;
import bitflex.nn.train.Trainer;
import bitflex.nn.train.TrainingListener;
import bitflex.precision.training.FakeQuantTraining;
import bitflex.precision.training.Policies;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The ledger's per-step work allocates a bounded, small amount (a few records for the ledger's
 * aggregation), independent of the model's size: it keeps no per-step history.
 */
class TrainingLedgerAllocationTest {
    @Test
    void perStepAllocationIsSmallAndDoesNotGrowWithTheRun() throws Exception {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Module model = Models.create("lenet5", 1);
        SGD opt = new SGD(model.parameters(), 0.01, 0.9);
        FakeQuantTraining quant = new FakeQuantTraining(model, Policies.create("static", 8, model));
        TrainingLedger ledger = new TrainingLedger(model, opt, quant, new CostModel(EnergyModel.horowitz45nm()), 1000);
        long[] bytes = new long[2];
        long[] steps = new long[1];
        TrainingListener measured = new TrainingListener() {
            long t;

            @Override
            public void beforeForward(StepInfo s) {
                t = mx.getCurrentThreadAllocatedBytes();
                ledger.beforeForward(s);
                if (s.step() >= 10) {
                    bytes[0] += mx.getCurrentThreadAllocatedBytes() - t;
                }
            }

            @Override
            public void afterForward(StepInfo s) {
                ledger.afterForward(s);
            }

            @Override
            public void afterBackward(StepInfo s) {
                ledger.afterBackward(s);
            }

            @Override
            public void afterStep(StepInfo s) {
                t = mx.getCurrentThreadAllocatedBytes();
                ledger.afterStep(s);
                long b = mx.getCurrentThreadAllocatedBytes() - t;
                if (s.step() >= 10) { // after the first steps' one-off work
                    bytes[1] += b;
                    steps[0]++;
                }
            }
        };
        Trainer t = new Trainer(model, opt, new CrossEntropyLoss(), new Trainer.Config(1, 8, 5));
        t.addListener(quant).addListener(measured);
        t.fit(TrainingLedgerTest.randomData(8 * 60), null);
        double perStep = (double) bytes[1] / steps[0];
        System.out.printf("TrainingLedger: %.0f bytes allocated per step in afterStep, %d in beforeForward over %d steps%n",
                perStep, bytes[0], steps[0]);
        // a few hundred bytes at most (a sampled density or word-length point, a loss window); no per-layer records
        assertTrue(perStep < 1024, "afterStep allocates " + perStep + " bytes per step");
        assertTrue(bytes[0] < 1024 * steps[0], "beforeForward allocated " + bytes[0] + " bytes");
    }
}

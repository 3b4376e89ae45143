package bitflex.precision.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.nn.data.Dataset;
import bitflex.nn.layers.CrossEntropyLoss;
import bitflex.nn.models.Models;
import bitflex.nn.optim.Optimizer;
import bitflex.nn.optim.SGD;
import bitflex.nn.train.Trainer;
import bitflex.engine.fixed.FixedPointFormat;
import bitflex.precision.PrecisionPolicy;
import bitflex.precision.StaticPolicy;
import bitflex.precision.training.PrecisionRun;
import bitflex.precision.training.TrainingMode;
import bitflex.precision.training.FakeQuantTraining;
import bitflex.precision.training.Policies;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The ledger wired into real training steps of small models on a few random samples. */
public class TrainingLedgerTest {
    private static final int SAMPLES = 96;
    private static final int BATCH = 32;

    public static Dataset randomData(int n) {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[n * 28 * 28];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(10);
        }
        return new Dataset("random", x, y, 1, 28, 28, 10);
    }

    private static TrainingLedger train(Module model, Optimizer opt, FakeQuantTraining quant) throws Exception {
        return train(model, opt, quant, quant);
    }

    private static TrainingLedger train(Module model, Optimizer opt, FakeQuantTraining quant, PrecisionRun view)
            throws Exception {
        Trainer t = new Trainer(model, opt, new CrossEntropyLoss(), new Trainer.Config(1, BATCH, 5));
        if (quant != null) {
            t.addListener(quant);
        }
        TrainingLedger ledger = new TrainingLedger(model, opt, view, new CostModel(EnergyModel.horowitz45nm()), 2);
        t.addListener(ledger);
        t.fit(randomData(SAMPLES), randomData(BATCH));
        ledger.close();
        return ledger;
    }

    @Test
    void float32Lenet5MemoryEqualsTheRealBuffersAndTheBaselineFormula() throws Exception {
        Module model = Models.create("lenet5", 1);
        SGD opt = new SGD(model.parameters(), 0.01, 0.9);
        TrainingLedger ledger = train(model, opt, null);
        RunLedger run = ledger.run();
        assertEquals(SAMPLES / BATCH, run.steps());
        assertEquals(SAMPLES, run.samples());
        assertTrue(run.wallNanos() > 0);

        long params = 0;
        long grads = 0;
        long state = 0;
        List<Tensor> ps = opt.parameters();
        for (int i = 0; i < ps.size(); i++) {
            params += 4L * ps.get(i).numel();
            grads += 4L * ps.get(i).grad().numel();
            state += opt.stateBytes(i);
        }
        assertEquals(params, state, "SGD with momentum keeps one float per parameter");
        LayerMemory total = run.peakTotal().bitflex();
        assertEquals(params, total.parameterBytes());
        assertEquals(grads, total.gradientBytes());
        assertEquals(state, total.optimizerStateBytes());
        assertEquals(0, total.masterCopyBytes());
        assertEquals(run.peakTotal().fp32(), total, "a float32 run is its own FP32 baseline");
        assertTrue(ledger.peakWorkspaceBytes() > 0);
        // LeNet-5's convolutions pad their inputs into per-thread scratch, so some is always held
        assertTrue(ledger.peakKernelScratchBytes() > 0);
        assertEquals(params + grads + state + ledger.peakWorkspaceBytes() + ledger.peakKernelScratchBytes(), ledger.peakStepBytes());

        // totals are the sum of the layers, and the FP32 baseline follows the formula
        LayerCost sum = LayerCost.zero("total");
        for (LayerCost c : run.layers()) {
            sum = sum.plus(c);
        }
        assertEquals(sum.bitflex().macs(), run.total().bitflex().macs());
        assertEquals(sum.bitflex().arithmeticPj(), run.total().bitflex().arithmeticPj(), 1e-6 * sum.bitflex().arithmeticPj());
        EnergyModel e = EnergyModel.horowitz45nm();
        long macs = run.total().fp32().macs();
        assertEquals(macs * (3.7 + 0.9), run.total().fp32().arithmeticPj(), 1e-9 * macs);
        assertEquals(32.0 * macs, run.total().fp32().bitMacs(), 1e-6 * macs);
        assertEquals(run.total().fp32().arithmeticPj(), run.total().bitflex().arithmeticPj(), 1e-9 * macs);
        // the MAC count of lenet5's first conv (1->6, 5x5, pad 2 on 28x28): 3 passes per step
        long conv1 = (long) BATCH * 6 * 28 * 28 * 25;
        LayerCost first = run.layers().get(0);
        assertEquals("0.weight", first.layer());
        assertEquals(3 * conv1 * run.steps(), first.bitflex().macs());
        assertEquals(6L * 28 * 28 * 25, ledger.forwardMacsPerSample("0.weight"));
        assertEquals(e.fp32MacPj(), first.fp32().arithmeticPj() / first.fp32().macs(), 1e-12);
    }

    @Test
    void fakeQuantRunShowsAMasterCopyAndCostsLessThanFloat32() throws Exception {
        Module model = Models.create("lenet5", 1);
        SGD opt = new SGD(model.parameters(), 0.01);
        FakeQuantTraining quant = new FakeQuantTraining(model, Policies.create("static", 6, model));
        TrainingLedger ledger = train(model, opt, quant);
        RunLedger run = ledger.run();
        LayerMemory total = run.peakTotal().bitflex();
        long weights = 0;
        for (String l : quant.layers()) {
            weights += 4L * model.namedParameters().get(l).numel();
            assertEquals(6, ledger.weightBits(l));
        }
        assertEquals(weights, total.masterCopyBytes());
        assertEquals(0, total.optimizerStateBytes(), "plain SGD keeps no state");
        // float32 activations make every pass a float32 GEMM: no arithmetic saved, but AdaPT's bit-MACs shrink
        assertEquals(run.total().fp32().arithmeticPj(), run.total().bitflex().arithmeticPj(),
                1e-9 * run.total().fp32().arithmeticPj());
        assertTrue(run.total().bitflex().bitMacs() < run.total().fp32().bitMacs() * 6 / 32.0 + 1);
        assertEquals(1, ledger.epochs().size());
        assertEquals(quant.layers().size(), ledger.epochs().get(0).density().size());
        assertTrue(ledger.wordLengths().get(0).wordLengths()[0] == 6);
    }

    /**
     * Presents a fake-quant run as an integer-mode run whose activations and gradients share the
     * weights' format, so every pass is priced as integer arithmetic at that width.
     */
    private record IntegerView(FakeQuantTraining q) implements PrecisionRun {
        public TrainingMode mode() { return TrainingMode.INTEGER; }
        public PrecisionPolicy policy() { return q.policy(); }
        public List<String> layers() { return q.layers(); }
        public FixedPointFormat weightFormat(String l) { return q.weightFormat(l); }
        public FixedPointFormat activationFormat(String l) { return q.weightFormat(l); }
        public FixedPointFormat gradientFormat(String l) { return q.weightFormat(l); }
        public long weightBytes(String l) { return q.weightBytes(l); }
        public long masterCopyBytes(String l) { return 0; }
    }

    @Test
    void integerPassesArePricedAtTheirFormats() throws Exception {
        Module model = Models.create("mlp", 1);
        SGD opt = new SGD(model.parameters(), 0.01);
        FakeQuantTraining quant = new FakeQuantTraining(model, Policies.create("static", 8, model));
        RunLedger run = train(model, opt, quant, new IntegerView(quant)).run();
        assertEquals(0, run.peakTotal().bitflex().masterCopyBytes());
        // int8 forward costs what QAT's int8 forward costs; the int8 backward is cheaper than QAT's float32 one
        EnergyModel e = EnergyModel.horowitz45nm();
        long macs = run.total().bitflex().macs();
        assertEquals(macs * e.integerMacPj(8, 8), run.total().bitflex().arithmeticPj(), 1e-9 * macs);
        assertTrue(run.total().arithmeticEnergySaved(Baseline.QAT) > 0.5);
    }

    /** A mode that keeps its layers' storage itself and names the modules that compute them. */
    private record OwnStorageView(FakeQuantTraining q, Module model) implements PrecisionRun {
        public TrainingMode mode() { return TrainingMode.INTEGER; }
        public PrecisionPolicy policy() { return q.policy(); }
        public List<String> layers() { return q.layers(); }
        public FixedPointFormat weightFormat(String l) { return q.weightFormat(l); }
        public FixedPointFormat activationFormat(String l) { return FixedPointFormat.signed(8, 4); }
        public FixedPointFormat gradientFormat(String l) { return FixedPointFormat.signed(16, 8); }
        public long weightBytes(String l) { return model.namedParameters().get(l).numel(); }
        public long masterCopyBytes(String l) { return 0; }
        public Module layerModule(String l) { return model.namedModules().get(l.substring(0, l.lastIndexOf('.'))); }
        public GemmGeometry geometry(String l) {
            bitflex.nn.layers.Linear lin = (bitflex.nn.layers.Linear) layerModule(l);
            return GemmGeometry.linear(lin.inFeatures(), lin.outFeatures(), true);
        }
        public long biasBytes(String l) { return 3; }
        public long gradientBytes(String l) { return 5; }
        public long optimizerStateBytes(String l) { return 7; }
        public long weightZeros(String l) { return 0; }
    }

    @Test
    void aModeThatKeepsItsOwnStorageIsCountedFromIt() throws Exception {
        Module model = Models.create("mlp", 1);
        SGD opt = new SGD(model.parameters(), 0.01);
        FakeQuantTraining quant = new FakeQuantTraining(model, Policies.create("static", 8, model));
        OwnStorageView view = new OwnStorageView(quant, model);
        TrainingLedger ledger = train(model, opt, quant, view);
        RunLedger run = ledger.run();
        assertEquals(3, run.peakMemory().size());
        for (MemoryReport m : run.peakMemory()) {
            long weights = model.namedParameters().get(m.layer()).numel();
            assertEquals(weights + 3, m.bitflex().parameterBytes());
            assertEquals(5, m.bitflex().gradientBytes());
            assertEquals(7, m.bitflex().optimizerStateBytes());
            assertEquals(1.0, ledger.density().density(m.layer()));
        }
        // int8 activations and int16 dy: integer passes at those widths
        long macs = run.total().bitflex().macs();
        EnergyModel e = EnergyModel.horowitz45nm();
        double expected = 0;
        for (LayerCost c : run.layers()) {
            long perPass = c.bitflex().macs() / 3;
            expected += perPass * (e.integerMacPj(8, 8) + e.integerMacPj(8, 16) + e.integerMacPj(16, 8));
        }
        assertEquals(expected, run.total().bitflex().arithmeticPj(), 1e-9 * expected);
        assertTrue(macs > 0);
    }

    @Test
    void energyGrowsWithTheWeightWordLength() throws Exception {
        double previous = 0;
        for (int bits : new int[] {4, 8, 12, 16}) {
            Module model = Models.create("mlp", 1);
            SGD opt = new SGD(model.parameters(), 0.01);
            Map<String, bitflex.engine.fixed.FixedPointFormat> formats = new java.util.LinkedHashMap<>();
            for (var e : model.namedParameters().entrySet()) {
                if (e.getValue().dim() >= 2) {
                    formats.put(e.getKey(), bitflex.engine.fixed.FixedPointFormat.signed(bits, bits - 2));
                }
            }
            FakeQuantTraining quant = new FakeQuantTraining(model, new StaticPolicy(formats, null));
            double energy = train(model, opt, quant, new IntegerView(quant)).run().total().bitflex().energyPj();
            assertTrue(energy > previous, bits + " bits: " + energy + " pJ after " + previous);
            previous = energy;
        }
    }
}

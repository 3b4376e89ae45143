package bitflex.precision.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LedgerTest {
    private static final EnergyModel E = EnergyModel.horowitz45nm();

    private static LayerGemms randomLayer(SplittableRandom r) {
        return r.nextBoolean()
                ? MacCounter.linear(r.nextInt(1, 128), r.nextInt(1, 1024), r.nextInt(1, 512))
                : MacCounter.conv2d(r.nextInt(1, 64), r.nextInt(1, 32), r.nextInt(1, 64), 28, 28,
                        r.nextInt(1, 6), r.nextInt(1, 3), r.nextInt(0, 3));
    }

    private static void assertClose(double expected, double actual) {
        assertEquals(expected, actual, 1e-9 * Math.max(1, Math.abs(expected)));
    }

    private static void assertSameCost(CostFigures expected, CostFigures actual) {
        assertEquals(expected.macs(), actual.macs());
        assertClose(expected.bitMacs(), actual.bitMacs());
        assertClose(expected.arithmeticPj(), actual.arithmeticPj());
        assertClose(expected.memoryPj(), actual.memoryPj());
    }

    @Test
    void totalsEqualTheSumOfLayersPerStepAndPerRun() {
        qt().withExamples(100).forAll(longs().all(), integers().between(1, 6)).checkAssert((seed, stepCount) -> {
            SplittableRandom r = new SplittableRandom(seed);
            Ledger ledger = new Ledger();
            int layerCount = r.nextInt(1, 6);
            List<LayerGemms> shapes = new ArrayList<>();
            for (int l = 0; l < layerCount; l++) shapes.add(randomLayer(r));
            Map<String, CostFigures> runByLayer = new HashMap<>();
            long runMacs = 0;
            for (int s = 0; s < stepCount; s++) {
                ledger.beginStep(s);
                for (int l = 0; l < layerCount; l++) {
                    String name = l + ".weight";
                    GemmOp[] ops = r.nextInt(3) == 0 ? GemmOp.float32(name, shapes.get(l))
                            : GemmOp.integer(name, shapes.get(l), r.nextInt(2, 17), r.nextInt(2, 17),
                                    r.nextInt(2, 33), r.nextDouble());
                    ledger.gemms(ops);
                    long n = shapes.get(l).forward().leftElements();
                    ledger.memory(new LayerMemory(name, n, n * r.nextInt(1, 5), r.nextBoolean() ? 4 * n : 0,
                            4 * n, 4 * n * r.nextInt(0, 3), r.nextInt(0, 3), 1000, 1000L * r.nextInt(1, 5)));
                }
                StepLedger step = ledger.endStep();
                CostFigures sum = CostFigures.ZERO;
                CostFigures fp32 = CostFigures.ZERO;
                CostFigures qat = CostFigures.ZERO;
                for (LayerCost c : step.layers()) {
                    sum = sum.plus(c.bitflex());
                    fp32 = fp32.plus(c.fp32());
                    qat = qat.plus(c.qat());
                    runByLayer.merge(c.layer(), c.bitflex(), CostFigures::plus);
                }
                assertSameCost(sum, step.total().bitflex());
                assertSameCost(fp32, step.total().fp32());
                assertSameCost(qat, step.total().qat());
                long ops = 0;
                for (GemmOp op : step.ops()) ops += op.shape().macs();
                assertEquals(ops, step.total().bitflex().macs());
                runMacs += ops;
                long memSum = 0;
                for (MemoryReport m : step.memory()) memSum += m.bitflex().totalBytes();
                assertEquals(memSum, step.memoryTotal().bitflex().totalBytes());
                assertEquals(layerCount, step.layers().size());
            }
            RunLedger run = ledger.run();
            assertEquals((long) stepCount, run.steps());
            assertEquals(runMacs, run.total().bitflex().macs());
            CostFigures sum = CostFigures.ZERO;
            for (LayerCost c : run.layers()) {
                assertSameCost(runByLayer.get(c.layer()), c.bitflex());
                sum = sum.plus(c.bitflex());
            }
            assertSameCost(sum, run.total().bitflex());
        });
    }

    @Test
    void float32BaselineMatchesTheFormula() {
        qt().withExamples(300).forAll(longs().all()).checkAssert(seed -> {
            SplittableRandom r = new SplittableRandom(seed);
            LayerGemms g = randomLayer(r);
            CostModel model = new CostModel(E);
            for (GemmOp op : GemmOp.integer("l", g, r.nextInt(2, 17), r.nextInt(2, 17), r.nextInt(2, 33), r.nextDouble())) {
                GemmShape s = op.shape();
                CostFigures fp32 = model.fp32(op);
                assertEquals(s.macs(), fp32.macs());
                assertClose(32.0 * s.macs(), fp32.bitMacs());
                assertClose(s.macs() * (3.7 + 0.9), fp32.arithmeticPj());
                double memory = 0;
                for (long elements : new long[] {s.leftElements(), s.rightElements(), s.outputElements()}) {
                    long bytes = elements * 4;
                    double per64 = bytes <= 8192 ? 10 : bytes <= 32768 ? 20 : bytes <= 1 << 20 ? 100 : 1300;
                    memory += elements * 32 * per64 / 64;
                }
                assertClose(memory, fp32.memoryPj());
                // A float32 run of the same layer costs exactly its own baseline.
                GemmOp asFloat = GemmOp.float32("l", g)[op.pass().ordinal()];
                assertSameCost(fp32, model.bitflex(asFloat));
            }
        });
    }

    @Test
    void qatBaselineIsInt8ForwardAndFloatBackward() {
        LayerGemms g = MacCounter.linear(64, 784, 256);
        CostModel model = new CostModel(E);
        GemmOp[] ops = GemmOp.integer("fc", g, 8, 8, 8, 1.0);
        // An all-int8 forward costs exactly QAT's forward.
        assertSameCost(model.qat(ops[0]), model.bitflex(ops[0]));
        assertClose(g.forward().macs() * 0.3, model.qat(ops[0]).arithmeticPj());
        assertSameCost(model.fp32(ops[1]), model.qat(ops[1]));
        assertSameCost(model.fp32(ops[2]), model.qat(ops[2]));
    }

    @Test
    void energyAndBitMacsGrowWithBitwidth() {
        qt().withExamples(300).forAll(longs().all(), integers().between(1, 31)).checkAssert((seed, bits) -> {
            SplittableRandom r = new SplittableRandom(seed);
            LayerGemms g = randomLayer(r);
            CostModel model = new CostModel(E);
            int a = r.nextInt(1, 33);
            double density = r.nextDouble(0.01, 1.0);
            for (Pass p : Pass.values()) {
                CostFigures lo = model.bitflex(GemmOp.integer("l", g, bits, a, a, density)[p.ordinal()]);
                CostFigures hi = model.bitflex(GemmOp.integer("l", g, bits + 1, a, a, density)[p.ordinal()]);
                if (p != Pass.BACKWARD_WEIGHT) { // the weight-gradient GEMM does not read W
                    assertTrue(hi.arithmeticPj() > lo.arithmeticPj(), p + " arithmetic");
                    assertTrue(hi.memoryPj() > lo.memoryPj(), p + " memory");
                }
                assertTrue(hi.bitMacs() > lo.bitMacs(), p + " bit-MACs");
                assertClose((double) bits * g.of(p).macs() * density, lo.bitMacs());
            }
        });
    }

    @Test
    void memoryLedgerShowsMasterCopiesAndBaselines() {
        long n = 1000;
        // INTEGER mode, 8-bit weights, SGD with momentum, no master copy.
        LayerMemory integer = new LayerMemory("fc", n, n, 0, 2 * n, 2 * n, 1, 500, 500);
        MemoryReport m = MemoryReport.of(integer);
        assertEquals(0, m.bitflex().masterCopyBytes());
        assertEquals(4 * n, m.fp32().parameterBytes());
        assertEquals(0, m.fp32().masterCopyBytes());
        assertEquals(n + 4 * n, m.qat().parameterMemoryBytes());
        assertEquals(0.8, m.parameterMemorySaved(Baseline.QAT), 1e-12);
        assertEquals(0.75, m.parameterMemorySaved(Baseline.FP32), 1e-12);
        assertEquals(4 * n + 4 * n + 4 * n + 4 * 500, m.fp32().totalBytes());
        // A frozen layer has no gradient buffers, and neither do its baselines.
        LayerMemory frozen = new LayerMemory("conv", n, n, 0, 0, 0, 0, 0, 0);
        assertEquals(0, frozen.fp32().gradientBytes());
        assertEquals(0, frozen.qat().gradientBytes());

        Ledger ledger = new Ledger();
        ledger.beginStep(1);
        ledger.memory(integer);
        ledger.memory(frozen);
        assertThrows(IllegalArgumentException.class, () -> ledger.memory(frozen));
        StepLedger s = ledger.endStep();
        assertEquals(integer.totalBytes() + frozen.totalBytes(), s.memoryTotal().bitflex().totalBytes());
        assertEquals(integer.fp32().totalBytes() + frozen.fp32().totalBytes(), s.memoryTotal().fp32().totalBytes());
        ledger.beginStep(2);
        ledger.memory(new LayerMemory("fc", n, n, 0, 2 * n, 2 * n, 1, 100, 100));
        StepLedger timed = ledger.endStep(64, 2_000_000);
        assertEquals(64, timed.samples());
        assertEquals(64, ledger.run().samples());
        assertEquals(32_000.0, ledger.run().samplesPerSecond(), 1e-9);
        assertEquals(s.memoryTotal(), ledger.run().peakTotal());
        assertEquals(500, ledger.run().peakMemory().get(0).bitflex().savedActivationBytes());
    }

    @Test
    void stepsMustBeOpenedAndClosed() {
        Ledger ledger = new Ledger();
        assertThrows(IllegalStateException.class, () -> ledger.gemms(GemmOp.float32("a", MacCounter.linear(1, 1, 1))));
        ledger.beginStep(1);
        assertThrows(IllegalStateException.class, () -> ledger.beginStep(2));
        ledger.endStep();
        assertThrows(IllegalStateException.class, ledger::endStep);
        assertThrows(IllegalArgumentException.class, () -> new GemmOp("a", Pass.FORWARD, new GemmShape(1, 1, 1, 1),
                GemmOp.Arithmetic.FLOAT32, 8, 8, 8, 8, 1));
        assertThrows(IllegalArgumentException.class, () -> new GemmOp("a", Pass.FORWARD, new GemmShape(1, 1, 1, 1),
                GemmOp.Arithmetic.INTEGER, 8, 8, 8, 8, 1.5));
    }
}

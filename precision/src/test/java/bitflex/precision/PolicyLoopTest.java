package bitflex.precision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.precision.adapt.AdaptParameters;
import bitflex.precision.adapt.AdaptPolicy;
import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.Quantizer;
import bitflex.engine.fixed.Rounding;
import bitflex.precision.ledger.Baseline;
import bitflex.precision.ledger.GemmOp;
import bitflex.precision.ledger.LayerGemms;
import bitflex.precision.ledger.LayerMemory;
import bitflex.precision.ledger.Ledger;
import bitflex.precision.ledger.MacCounter;
import bitflex.precision.ledger.RunLedger;
import bitflex.precision.rct.RctParameters;
import bitflex.precision.rct.RctPolicy;
import bitflex.precision.sparsity.Density;
import bitflex.precision.sparsity.DensityTracker;
import bitflex.precision.sparsity.L1Penalty;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The policy, sparsity and ledger pieces wired the way a trainer will wire them, on a softmax
 * regression in plain arrays: fake-quant training (float master, quantized forward, straight-through
 * gradients) and integer training (weights only on the grid, stochastic-rounding updates, no master).
 */
class PolicyLoopTest {
    private static final int CLASSES = 4;
    private static final int FEATURES = 16;
    private static final int BATCH = 32;
    private static final String LAYER = "fc.weight";

    private record Data(float[][] x, int[] y) {}

    private static Data blobs(SplittableRandom r, float[][] means, int n) {
        float[][] x = new float[n][FEATURES];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(CLASSES);
            for (int j = 0; j < FEATURES; j++) {
                x[i][j] = (float) (means[y[i]][j] + r.nextGaussian());
            }
        }
        return new Data(x, y);
    }

    private record Result(double accuracy, List<PrecisionDecision> decisions, float[] weights, RunLedger ledger,
                          double density) {}

    /**
     * Trains for {@code steps} mini-batches. {@code integer}: the weights exist only on the current
     * format's grid and updates are stochastically rounded onto it; otherwise a float master is
     * updated and the forward pass uses its quantized copy.
     */
    private static Result train(long seed, PrecisionPolicy policy, boolean integer, int steps) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] means = new float[CLASSES][FEATURES];
        for (float[] m : means) for (int j = 0; j < FEATURES; j++) m[j] = (float) (r.nextGaussian() * 1.5);
        Data train = blobs(r, means, 1024);
        Data test = blobs(r, means, 512);
        float[] w = new float[CLASSES * FEATURES];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.1);
        FixedPointFormat format = policy.register(LAYER, w);
        if (integer) {
            requantize(w, format, r);
        }
        float[] wq = new float[w.length];
        float[] grad = new float[w.length];
        L1Penalty l1 = new L1Penalty();
        DensityTracker density = new DensityTracker();
        Ledger ledger = new Ledger();
        LayerGemms gemms = MacCounter.linear(BATCH, FEATURES, CLASSES);
        double lr = 0.1;
        for (int step = 1; step <= steps; step++) {
            Quantizer.of(format).fakeQuantize(LAYER, w, 0, wq, 0, w.length, 0);
            java.util.Arrays.fill(grad, 0f);
            double loss = 0;
            for (int b = 0; b < BATCH; b++) {
                int n = r.nextInt(train.x().length);
                double[] p = softmax(wq, train.x()[n]);
                loss -= Math.log(Math.max(p[train.y()[n]], 1e-12)) / BATCH;
                for (int c = 0; c < CLASSES; c++) {
                    double d = (p[c] - (c == train.y()[n] ? 1 : 0)) / BATCH;
                    for (int j = 0; j < FEATURES; j++) grad[c * FEATURES + j] += (float) (d * train.x()[n][j]);
                }
            }
            loss += l1.penalty(wq);
            l1.addGradient(wq, grad);
            policy.afterBackward(step, LAYER, wq, grad, lr);
            for (int i = 0; i < w.length; i++) w[i] -= (float) (lr * grad[i]);
            policy.afterUpdate(step, LAYER, grad, -lr);
            if (integer) {
                requantize(w, format, r);
            }
            policy.afterStep(step, loss, name -> w);
            FixedPointFormat next = policy.format(LAYER);
            if (integer && !next.equals(format)) {
                requantize(w, next, r);
            }
            format = next;
            DensityTracker.Sample s = density.record(step, LAYER, wq);
            ledger.beginStep(step);
            ledger.gemms(GemmOp.integer(LAYER, gemms, format.wordLength(), 16, 16, s.density()));
            long params = w.length;
            long storageBytes = format.wordLength() <= 8 ? params : format.wordLength() <= 16 ? 2 * params : 4 * params;
            ledger.memory(new LayerMemory(LAYER, params, storageBytes, integer ? 0 : 4 * params, 4 * params,
                    0, 0, (long) BATCH * FEATURES, 2L * BATCH * FEATURES));
            ledger.endStep();
        }
        Quantizer.of(format).fakeQuantize(LAYER, w, 0, wq, 0, w.length, 0);
        int correct = 0;
        for (int i = 0; i < test.x().length; i++) {
            double[] p = softmax(wq, test.x()[i]);
            int best = 0;
            for (int c = 1; c < CLASSES; c++) if (p[c] > p[best]) best = c;
            if (best == test.y()[i]) correct++;
        }
        return new Result((double) correct / test.x().length, List.copyOf(policy.decisions()), w.clone(),
                ledger.run(), Density.of(wq));
    }

    /** Stochastic rounding onto the format's grid (the engine's counter-based generator), saturating. */
    private static void requantize(float[] w, FixedPointFormat f, SplittableRandom r) {
        Quantizer.of(f).withRounding(Rounding.STOCHASTIC).withSeed(r.nextLong(), 0)
                .fakeQuantize(LAYER, w, 0, w, 0, w.length, 0);
    }

    private static double[] softmax(float[] w, float[] x) {
        double[] z = new double[CLASSES];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < CLASSES; c++) {
            double s = 0;
            for (int j = 0; j < FEATURES; j++) s += (double) w[c * FEATURES + j] * x[j];
            z[c] = s;
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int c = 0; c < CLASSES; c++) sum += z[c] = Math.exp(z[c] - max);
        for (int c = 0; c < CLASSES; c++) z[c] /= sum;
        return z;
    }

    @Test
    void fakeQuantAdaptLearnsAndIsRepeatable() {
        AdaptParameters p = AdaptParameters.builder().lookBack(10, 40).build();
        Result a = train(7, new AdaptPolicy(p), false, 400);
        Result b = train(7, new AdaptPolicy(p), false, 400);
        assertTrue(a.accuracy() > 0.8, "accuracy " + a.accuracy());
        assertEquals(a.decisions(), b.decisions());
        assertTrue(java.util.Arrays.equals(a.weights(), b.weights()));
        assertTrue(a.decisions().stream().anyMatch(d -> d.kind().equals("switch")));
        // A fake-quant run keeps a master copy, and the ledger says so.
        assertTrue(a.ledger().peakTotal().bitflex().masterCopyBytes() > 0);
    }

    @Test
    void integerRctLearnsWithoutAMasterCopy() {
        Result r = train(11, new RctPolicy(RctParameters.builder().window(20).build()), true, 400);
        assertTrue(r.accuracy() > 0.8, "accuracy " + r.accuracy());
        assertEquals(0, r.ledger().peakTotal().bitflex().masterCopyBytes());
        assertTrue(r.ledger().peakTotal().parameterMemorySaved(Baseline.QAT) >= 0.6,
                "parameter memory saved vs QAT " + r.ledger().peakTotal().parameterMemorySaved(Baseline.QAT));
        assertTrue(r.decisions().size() > 10);
        assertFalse(r.decisions().stream().anyMatch(d -> Math.abs(d.after().wordLength() - d.before().wordLength()) > 1));
        assertEquals(400, r.ledger().steps());
    }

    @Test
    void staticEightBitIntegerLearnsToo() {
        Result r = train(3, StaticPolicy.uniform(FixedPointFormat.signed(8, 5)), true, 400);
        assertTrue(r.accuracy() > 0.8, "accuracy " + r.accuracy());
        assertTrue(r.density() > 0 && r.density() <= 1);
        // All-int8 forward: bitflex's forward arithmetic equals QAT's, and the float32 baseline costs more.
        assertTrue(r.ledger().total().arithmeticEnergySaved(Baseline.FP32) > 0.5);
    }
}

package bitflex.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Each layer's gradients (input and parameters) against central finite differences. */
@Tag("simd")
class LayerGradientTest {
    private static final double EPS = 1e-3;
    private static final double ATOL = 5e-3;
    private static final double RTOL = 1e-2;

    private static void check(Module m, Tensor x) {
        x.requiresGrad(true);
        Map<String, Tensor> p = new LinkedHashMap<>(m.namedParameters());
        GradCheck.check(m::forward, x, p, EPS, ATOL, RTOL, 24, 7);
    }

    @Test
    void linear() {
        check(new Linear(7, 5, 1), GradCheck.randomInput(2, 3, 7));
        check(new Linear(4, 3, false, 1), GradCheck.randomInput(3, 2, 4));
    }

    @Test
    void conv2dPaddedStrided() {
        check(new Conv2d(2, 3, 3, 1, 1, true, 4), GradCheck.randomInput(5, 2, 2, 5, 6));
        check(new Conv2d(2, 3, 3, 2, 1, false, 6), GradCheck.randomInput(7, 2, 2, 7, 5));
        check(new Conv2d(1, 2, 5, 1, 2, true, 8), GradCheck.randomInput(9, 1, 1, 6, 6));
    }

    @Test
    void pools() {
        check(new MaxPool2d(2), GradCheck.randomInput(11, 2, 3, 5, 4));
        check(new AvgPool2d(2), GradCheck.randomInput(12, 2, 3, 5, 4));
        check(new AvgPool2d(3), GradCheck.randomInput(13, 1, 2, 6, 6));
    }

    @Test
    void batchNormTrainAndEval() {
        BatchNorm2d bn = new BatchNorm2d(3);
        // non-trivial scale and shift
        for (int i = 0; i < 3; i++) {
            bn.weight().data()[i] = 0.5f + i;
            bn.bias().data()[i] = i - 1f;
        }
        check(bn, GradCheck.randomInput(14, 4, 3, 2, 3));
        bn.eval();
        check(bn, GradCheck.randomInput(15, 2, 3, 2, 2));
    }

    @Test
    void reluFlattenSequentialResidual() {
        check(new ReLU(), GradCheck.randomInput(16, 3, 4));
        check(new Flatten(), GradCheck.randomInput(17, 2, 2, 3));
        check(new Sequential(new Conv2d(1, 2, 3, 1, 1, true, 1), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(8, 3, 2)),
                GradCheck.randomInput(18, 2, 1, 4, 4));
    }

    @Test
    void residualBlockEval() {
        check(new ResidualBlock(2, 3, 2, 19).eval(), GradCheck.randomInput(20, 2, 2, 4, 4));
        check(new ResidualBlock(2, 2, 1, 21).eval(), GradCheck.randomInput(22, 2, 2, 3, 3));
    }

    /**
     * In training mode batch norm rescales by the batch's spread, so a probe easily pushes some ReLU
     * input across zero; coordinates whose probe crosses a kink are skipped (see GradCheck).
     */
    @Test
    void smoothConvBnStackTrain() {
        check(new Sequential(new Conv2d(2, 3, 3, 2, 1, false, 1), new BatchNorm2d(3), new Conv2d(3, 3, 3, 1, 1, false, 2),
                new BatchNorm2d(3)), GradCheck.randomInput(22, 2, 2, 4, 4));
    }

    @Test
    void residualBlockTrain() {
        for (ResidualBlock m : new ResidualBlock[] {new ResidualBlock(2, 3, 2, 19), new ResidualBlock(2, 2, 1, 21)}) {
            Tensor x = GradCheck.randomInput(22, 2, 2, 4, 4).requiresGrad(true);
            GradCheck.check(m::forward, x, new LinkedHashMap<>(m.namedParameters()), EPS, ATOL, RTOL, 24, 7, true);
        }
    }

    @Test
    void crossEntropyMatchesSoftmaxMinusOneHot() {
        Tensor logits = GradCheck.randomInput(23, 3, 4).requiresGrad(true);
        int[] labels = {2, 0, 3};
        Tensor loss = new CrossEntropyLoss().forward(logits, labels);
        double expect = 0;
        float[] z = logits.data();
        double[][] soft = new double[3][4];
        for (int i = 0; i < 3; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < 4; j++) {
                max = Math.max(max, z[i * 4 + j]);
            }
            double sum = 0;
            for (int j = 0; j < 4; j++) {
                sum += Math.exp(z[i * 4 + j] - max);
            }
            for (int j = 0; j < 4; j++) {
                soft[i][j] = Math.exp(z[i * 4 + j] - max) / sum;
            }
            expect -= Math.log(soft[i][labels[i]]) / 3;
        }
        assertEquals(expect, loss.item(), 1e-6);
        loss.backward();
        float[] g = logits.grad().toArray();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals((soft[i][j] - (j == labels[i] ? 1 : 0)) / 3, g[i * 4 + j], 1e-6);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss().forward(logits, new int[] {0, 4, 1}));
    }

    @Test
    void mseLoss() {
        Tensor pred = GradCheck.randomInput(24, 2, 3).requiresGrad(true);
        Tensor target = GradCheck.randomInput(25, 2, 3);
        Tensor loss = new MSELoss().forward(pred, target);
        double e = 0;
        for (int i = 0; i < 6; i++) {
            double d = pred.data()[i] - target.data()[i];
            e += d * d / 6;
        }
        assertEquals(e, loss.item(), 1e-6);
        loss.backward();
        for (int i = 0; i < 6; i++) {
            assertEquals(2 * (pred.data()[i] - target.data()[i]) / 6, pred.grad().data()[i], 1e-6);
        }
        Tensor oh = new MSELoss().compute(GradCheck.randomInput(1, 2, 3), new int[] {1, 2}, 2);
        assertEquals(1, oh.numel());
    }

    @Test
    void dropoutMasksScalesAndIsIdentityInEval() {
        Dropout d = new Dropout(0.25, 3);
        Tensor x = Tensor.full(2f, 4000).requiresGrad(true);
        Tensor y = d.forward(x);
        float[] yv = y.toArray();
        int zeros = 0;
        for (float v : yv) {
            assertTrue(v == 0f || Math.abs(v - 2f / 0.75f) < 1e-6, "value " + v);
            zeros += v == 0f ? 1 : 0;
        }
        assertEquals(0.25, zeros / 4000.0, 0.03);
        y.sum().backward();
        float[] g = x.grad().toArray();
        for (int i = 0; i < g.length; i++) {
            assertEquals(yv[i] == 0f ? 0f : 1f / 0.75f, g[i], 1e-6f);
        }
        assertArrayEquals(x.toArray(), d.eval().forward(x).toArray());
        // The next training call draws a different mask.
        d.train();
        assertTrue(!java.util.Arrays.equals(yv, d.forward(x).toArray()));
    }
}

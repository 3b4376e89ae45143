package bitflex.nn.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.checkpoint.Checkpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Optimizer steps against values worked out by hand (and PyTorch's documented update rules). */
class OptimizerTest {
    /** A parameter with the given values whose gradient is set to {@code g}. */
    private static Tensor param(float[] w, float[] g) {
        Tensor p = Tensor.of(w.clone(), w.length).requiresGrad(true);
        Tensor.of(g.clone(), g.length).mul(p).sum().backward(); // d/dp sum(g * p) = g
        return p;
    }

    private static void setGrad(Tensor p, float... g) {
        System.arraycopy(g, 0, p.grad().data(), 0, g.length);
    }

    @Test
    void plainSgd() {
        Tensor p = param(new float[] {1f, -2f}, new float[] {0.5f, -1f});
        new SGD(List.of(p), 0.1).step();
        assertEquals(1f - 0.1f * 0.5f, p.data()[0], 1e-7);
        assertEquals(-2f + 0.1f, p.data()[1], 1e-7);
    }

    @Test
    void sgdMomentumWeightDecay() {
        Tensor p = param(new float[] {1f}, new float[] {0.5f});
        SGD opt = new SGD(List.of(p), 0.1, 0.9, 0, 0.01, false);
        opt.step();
        // g = 0.5 + 0.01*1 = 0.51; b = 0.51; w = 1 - 0.051 = 0.949
        assertEquals(0.949f, p.data()[0], 1e-6);
        setGrad(p, 0.2f);
        opt.step();
        // g = 0.2 + 0.01*0.949 = 0.20949; b = 0.9*0.51 + 0.20949 = 0.66849; w = 0.949 - 0.066849 = 0.882151
        assertEquals(0.882151f, p.data()[0], 1e-6);
    }

    @Test
    void sgdNesterovAndDampening() {
        Tensor p = param(new float[] {1f}, new float[] {1f});
        SGD opt = new SGD(List.of(p), 0.1, 0.5, 0, 0, true);
        opt.step();
        // b = 1; update = g + 0.5 b = 1.5; w = 0.85
        assertEquals(0.85f, p.data()[0], 1e-6);
        setGrad(p, 2f);
        opt.step();
        // b = 0.5 + 2 = 2.5; update = 2 + 1.25 = 3.25; w = 0.85 - 0.325 = 0.525
        assertEquals(0.525f, p.data()[0], 1e-6);

        Tensor q = param(new float[] {0f}, new float[] {1f});
        SGD d = new SGD(List.of(q), 1, 0.5, 0.5, 0, false);
        d.step(); // b = 1 (first step ignores dampening, as PyTorch); w = -1
        d.step(); // b = 0.5 + 0.5*1 = 1; w = -2
        assertEquals(-2f, q.data()[0], 1e-6);
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(q), 0.1, 0, 0, 0, true));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(q), -1, 0));
    }

    @Test
    void adamFirstStepsByHand() {
        Tensor p = param(new float[] {1f}, new float[] {0.5f});
        Adam opt = new Adam(List.of(p), 0.01);
        opt.step();
        // m = 0.05, v = 0.00025; mhat = 0.5, vhat = 0.25; w = 1 - 0.01 * 0.5 / (0.5 + 1e-8)
        assertEquals(0.99f, p.data()[0], 1e-6);
        setGrad(p, -1f);
        opt.step();
        double m = 0.9 * 0.05 - 0.1;
        double v = 0.999 * 0.00025 + 0.001;
        double mhat = m / (1 - 0.81);
        double vhat = v / (1 - 0.999 * 0.999);
        assertEquals(0.99 - 0.01 * mhat / (Math.sqrt(vhat) + 1e-8), p.data()[0], 1e-6);
    }

    @Test
    void adamL2VersusAdamWDecoupled() {
        Tensor a = param(new float[] {2f}, new float[] {0f});
        Adam.adam(List.of(a), 0.1, 0.9, 0.999, 1e-8, 0.5).step();
        // g = 0 + 0.5*2 = 1 -> normalised step of lr: w = 2 - 0.1
        assertEquals(1.9f, a.data()[0], 1e-6);
        Tensor b = param(new float[] {2f}, new float[] {0f});
        new AdamW(List.of(b), 0.1, 0.9, 0.999, 1e-8, 0.5).step();
        // w = 2 * (1 - 0.05) = 1.9, then Adam on g = 0 moves nothing
        assertEquals(1.9f, b.data()[0], 1e-6);
        Tensor c = param(new float[] {2f}, new float[] {1f});
        new AdamW(List.of(c), 0.1, 0.9, 0.999, 1e-8, 0.5).step();
        assertEquals(1.9f - 0.1f, c.data()[0], 1e-6);
    }

    @Test
    void parametersWithoutGradientAreSkipped() {
        Tensor frozen = Tensor.of(new float[] {3f}, 1).requiresGrad(true);
        Tensor p = param(new float[] {1f}, new float[] {1f});
        new SGD(List.of(frozen, p), 0.5, 0.9).step();
        assertEquals(3f, frozen.data()[0]);
        assertEquals(0.5f, p.data()[0]);
    }

    @Test
    void stateRoundTripContinuesIdentically() {
        float[] w0 = {0.3f, -0.7f, 1.1f};
        for (String kind : new String[] {"sgd", "adam", "adamw"}) {
            Tensor a = param(w0, new float[] {0.1f, 0.2f, -0.3f});
            Tensor b = param(w0, new float[] {0.1f, 0.2f, -0.3f});
            Optimizer oa = make(kind, a);
            Optimizer ob = make(kind, b);
            oa.step();
            ob.step();
            Checkpoint s = oa.state();
            Tensor c = param(b.toArray(), new float[] {0.1f, 0.2f, -0.3f});
            Optimizer oc = make(kind, c);
            oc.loadState(s);
            for (int k = 0; k < 3; k++) {
                setGrad(b, 0.05f * k, -0.1f, 0.2f);
                setGrad(c, 0.05f * k, -0.1f, 0.2f);
                ob.step();
                oc.step();
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(b.toArray(), c.toArray(), kind);
            assertEquals(ob.steps(), oc.steps());
        }
        assertThrows(IllegalArgumentException.class, () -> make("adam", param(w0, w0)).loadState(make("sgd", param(w0, w0)).state()));
    }

    private static Optimizer make(String kind, Tensor p) {
        return switch (kind) {
            case "sgd" -> new SGD(List.of(p), 0.1, 0.9, 0, 1e-3, true);
            case "adam" -> new Adam(List.of(p), 0.01);
            default -> new AdamW(List.of(p), 0.01);
        };
    }

    @Test
    void schedules() {
        LrSchedule step = LrSchedule.step(10, 0.5);
        assertEquals(1.0, step.lr(1, 9));
        assertEquals(0.5, step.lr(1, 10));
        assertEquals(0.25, step.lr(1, 25));
        LrSchedule cos = LrSchedule.cosine(100, 0.0);
        assertEquals(1.0, cos.lr(1, 0), 1e-12);
        assertEquals(0.5, cos.lr(1, 50), 1e-12);
        assertEquals(0.0, cos.lr(1, 100), 1e-12);
        assertEquals(0.0, cos.lr(1, 1000), 1e-12);
        LrSchedule warm = LrSchedule.warmup(4, LrSchedule.constant());
        assertEquals(0.25, warm.lr(1, 0));
        assertEquals(1.0, warm.lr(1, 3));
        assertEquals(1.0, warm.lr(1, 4));
        LrSchedule warmCos = LrSchedule.warmup(2, LrSchedule.cosine(10, 0.1));
        assertEquals(1.0, warmCos.lr(1, 2), 1e-12);
        assertEquals(0.1, warmCos.lr(1, 12), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.step(0, 0.5));
    }
}

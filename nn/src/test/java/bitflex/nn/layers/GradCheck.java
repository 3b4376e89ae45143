package bitflex.nn.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Checks autograd gradients of a function against central finite differences. The scalar probed
 * is {@code L = sum(f(x) * r)} for a fixed random {@code r}, accumulated in double; each tensor is
 * probed at up to {@code probes} random coordinates.
 */
final class GradCheck {
    private GradCheck() {}

    static double probe(Function<Tensor, Tensor> f, Tensor x, float[] r) {
        float[] y = f.apply(x).toArray();
        assertEquals(r.length, y.length);
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += (double) y[i] * r[i];
        }
        return s;
    }

    /**
     * @param f       the function (a layer's forward); must be deterministic
     * @param x       input (its gradient is checked when it requires grad)
     * @param params  other leaves whose gradients are checked, by name
     */
    static void check(Function<Tensor, Tensor> f, Tensor x, Map<String, Tensor> params, double eps, double atol, double rtol,
                      int probes, long seed) {
        check(f, x, params, eps, atol, rtol, probes, seed, false);
    }

    /**
     * As above. With {@code kinky} (functions with ReLU or max kinks near the probe point, such as a
     * residual block under training-mode batch norm), a coordinate passes if the finite difference
     * matches at {@code eps}, {@code eps/3} or {@code eps/10}: a kink at distance d only spoils the
     * steps larger than d, while a wrong gradient fails at every step.
     */
    static void check(Function<Tensor, Tensor> f, Tensor x, Map<String, Tensor> params, double eps, double atol, double rtol,
                      int probes, long seed, boolean kinky) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor y = f.apply(x);
        float[] r = new float[y.numel()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        for (Tensor p : params.values()) {
            p.zeroGrad();
        }
        y.backward(Tensor.of(r.clone(), y.shape()));
        List<Map.Entry<String, Tensor>> all = new ArrayList<>(params.entrySet());
        if (x.requiresGrad()) {
            all.add(Map.entry("input", x));
        }
        double[] steps = kinky ? new double[] {eps, eps / 3, eps / 10} : new double[] {eps};
        for (Map.Entry<String, Tensor> e : all) {
            Tensor t = e.getValue();
            assertNotNull(t.grad(), e.getKey() + " got no gradient");
            float[] g = t.grad().toArray();
            float[] d = t.data();
            for (int k = 0; k < Math.min(probes, d.length); k++) {
                int i = probes >= d.length ? k : rng.nextInt(d.length);
                float keep = d[i];
                StringBuilder tried = new StringBuilder();
                boolean ok = false;
                for (double h : steps) {
                    d[i] = (float) (keep + h);
                    double up = probe(f, x, r);
                    d[i] = (float) (keep - h);
                    double down = probe(f, x, r);
                    d[i] = keep;
                    double fd = (up - down) / (2 * h);
                    if (Math.abs(fd - g[i]) <= atol + rtol * Math.abs(fd)) {
                        ok = true;
                        break;
                    }
                    tried.append(" ").append(fd).append(" (step ").append(h).append(")");
                }
                assertTrue(ok, e.getKey() + "[" + i + "]: autograd " + g[i] + " vs finite difference" + tried);
            }
        }
    }
    static Tensor randomInput(long seed, int... shape) {
        Tensor t = Tensor.zeros(shape);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return t;
    }
}

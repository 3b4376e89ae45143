package bitflex.nn.optim;

import bitflex.engine.tensor.Tensor;
import bitflex.nn.checkpoint.Checkpoint;
import java.util.List;

/**
 * Adam (Kingma and Ba) with PyTorch's {@code torch.optim.Adam} arithmetic, and AdamW (decoupled
 * weight decay, Loshchilov and Hutter) when built with {@link #adamW}. At step {@code t}:
 * <pre>
 *   AdamW: w = w * (1 - lr * weightDecay)        Adam: g = grad + weightDecay * w
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   w = w - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 */
public class Adam extends Optimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;
    private final float[][] m;
    private final float[][] v;

    /** Adam with betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    protected Adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        super(params, lr);
        String n = decoupled ? "AdamW" : "Adam";
        checkRange(n, "beta1", beta1, 0, 0.999999999);
        checkRange(n, "beta2", beta2, 0, 0.999999999);
        checkRange(n, "eps", eps, 0, 1);
        checkRange(n, "weight decay", weightDecay, 0, Double.MAX_VALUE);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.m = buffers();
        this.v = buffers();
    }

    /** Adam with L2 weight decay folded into the gradient (PyTorch's Adam). */
    public static Adam adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new Adam(params, lr, beta1, beta2, eps, weightDecay, false);
    }

    /** AdamW: decoupled weight decay (PyTorch's default weight decay for AdamW is 0.01). */
    public static Adam adamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
        return new AdamW(params, lr, beta1, beta2, eps, weightDecay);
    }

    @Override
    protected void update(int i, float[] w, float[] g, int n) {
        float[] mi = m[i];
        float[] vi = v[i];
        double bc1 = 1 - Math.pow(beta1, steps);
        double bc2 = 1 - Math.pow(beta2, steps);
        float stepSize = (float) (lr / bc1);
        float invSqrtBc2 = (float) (1 / Math.sqrt(bc2));
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float c1 = (float) (1 - beta1);
        float c2 = (float) (1 - beta2);
        float e = (float) eps;
        float wd = (float) weightDecay;
        float shrink = (float) (1 - lr * weightDecay);
        for (int j = 0; j < n; j++) {
            float gj = g[j];
            if (decoupled) {
                w[j] *= shrink;
            } else {
                gj += wd * w[j];
            }
            float mj = b1 * mi[j] + c1 * gj;
            float vj = b2 * vi[j] + c2 * gj * gj;
            mi[j] = mj;
            vi[j] = vj;
            w[j] -= stepSize * mj / ((float) Math.sqrt(vj) * invSqrtBc2 + e);
        }
    }

    private float[][][] stateSlots;

    @Override
    protected float[][][] stateBuffers() {
        if (stateSlots == null) {
            stateSlots = new float[][][] {m, v};
        }
        return stateSlots;
    }

    @Override
    public String name() {
        return decoupled ? "adamw" : "adam";
    }

    @Override
    protected void saveBuffers(Checkpoint c) {
        for (int i = 0; i < m.length; i++) {
            c.putFloats("state." + i + ".exp_avg", new int[] {m[i].length}, m[i]);
            c.putFloats("state." + i + ".exp_avg_sq", new int[] {v[i].length}, v[i]);
        }
    }

    @Override
    protected void loadBuffers(Checkpoint c) {
        for (int i = 0; i < m.length; i++) {
            restore(c, "state." + i + ".exp_avg", m[i]);
            restore(c, "state." + i + ".exp_avg_sq", v[i]);
        }
    }
}

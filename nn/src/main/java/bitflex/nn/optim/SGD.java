package bitflex.nn.optim;

import bitflex.engine.parallel.Parallel;
import bitflex.engine.tensor.Tensor;
import bitflex.nn.checkpoint.Checkpoint;
import java.util.List;

/**
 * Stochastic gradient descent with PyTorch's {@code torch.optim.SGD} semantics:
 * <pre>
 *   g = grad + weightDecay * w
 *   b = g                                   (first step)
 *   b = momentum * b + (1 - dampening) * g  (later steps)
 *   g = nesterov ? g + momentum * b : b     (when momentum != 0)
 *   w = w - lr * g
 * </pre>
 */
public final class SGD extends Optimizer {
    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;
    private final float[][] buf;
    private final boolean[] started;

    public SGD(List<Tensor> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    public SGD(List<Tensor> params, double lr, double momentum) {
        this(params, lr, momentum, 0, 0, false);
    }

    public SGD(List<Tensor> params, double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(params, lr);
        checkRange("SGD", "momentum", momentum, 0, 1);
        checkRange("SGD", "dampening", dampening, 0, 1);
        checkRange("SGD", "weight decay", weightDecay, 0, Double.MAX_VALUE);
        if (nesterov && (momentum == 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum needs momentum > 0 and dampening 0, got momentum="
                    + momentum + " dampening=" + dampening);
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.buf = momentum == 0 ? null : buffers();
        this.started = new boolean[params.size()];
    }

    /**
     * Elements per task when a parameter's update is spread over the threads: the update is
     * memory-bound and element-wise, so the cut changes no result (any thread count gives the same bits).
     */
    static final int GRAIN = 1 << 15;

    @Override
    protected void update(int i, float[] w, float[] g, int n) {
        float lr = (float) this.lr;
        float wd = (float) weightDecay;
        if (buf == null) {
            Parallel.forRange(n, GRAIN, (from, to) -> {
                for (int j = from; j < to; j++) {
                    w[j] -= lr * (g[j] + wd * w[j]);
                }
            });
            return;
        }
        float[] b = buf[i];
        float mu = (float) momentum;
        float keep = (float) (1 - dampening);
        boolean first = !started[i];
        started[i] = true;
        Parallel.forRange(n, GRAIN, (from, to) -> {
            // one branch-free loop per case, so the JIT vectorises it
            if (first) {
                for (int j = from; j < to; j++) {
                    float gj = g[j] + wd * w[j];
                    b[j] = gj;
                    w[j] -= lr * (nesterov ? gj + mu * gj : gj);
                }
            } else if (nesterov) {
                for (int j = from; j < to; j++) {
                    float gj = g[j] + wd * w[j];
                    float bj = mu * b[j] + keep * gj;
                    b[j] = bj;
                    w[j] -= lr * (gj + mu * bj);
                }
            } else {
                for (int j = from; j < to; j++) {
                    float gj = g[j] + wd * w[j];
                    float bj = mu * b[j] + keep * gj;
                    b[j] = bj;
                    w[j] -= lr * bj;
                }
            }
        });
    }

    private float[][][] stateSlots;

    @Override
    protected float[][][] stateBuffers() {
        if (stateSlots == null) {
            stateSlots = new float[][][] {buf};
        }
        return stateSlots;
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    protected void saveBuffers(Checkpoint c) {
        int[] flags = new int[started.length];
        for (int i = 0; i < flags.length; i++) {
            flags[i] = started[i] ? 1 : 0;
            if (buf != null) {
                c.putFloats("state." + i + ".momentum_buffer", new int[] {buf[i].length}, buf[i]);
            }
        }
        c.putInts("started", new int[] {flags.length}, flags);
    }

    @Override
    protected void loadBuffers(Checkpoint c) {
        int[] flags = c.ints("started");
        if (flags.length != started.length) {
            throw new IllegalArgumentException("SGD state is for " + flags.length + " parameters, this optimizer has " + started.length);
        }
        for (int i = 0; i < flags.length; i++) {
            started[i] = flags[i] != 0;
            if (buf != null) {
                restore(c, "state." + i + ".momentum_buffer", buf[i]);
            }
        }
    }
}

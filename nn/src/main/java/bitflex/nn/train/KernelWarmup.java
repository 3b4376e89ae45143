package bitflex.nn.train;

import bitflex.engine.tensor.Shapes;
import bitflex.engine.tensor.Tensor;
import bitflex.engine.tensor.Workspace;
import bitflex.nn.Module;

/**
 * One forward and backward pass of a small synthetic batch through a throwaway model, on a background
 * thread, while the caller does something else (reads the data set).
 *
 * <p>Why: in a fresh JVM the first training step also loads and initialises the Vector API's and the
 * kernels' classes (70-90 ms for the GEMM alone) and runs the kernels in the interpreter, and it took
 * 0.5-1.7 s against milliseconds warm. Run here on a batch of a few samples, that one-time work
 * overlaps the data loading, which keeps one core busy and leaves the other mostly idle. Measured
 * on 2 Zen 3 cores (6 and 5 interleaved pairs): MLP, first step 1.02 -> 0.39 s, loading and training
 * together 4.00 -> 3.59 s; LeNet-5, first step 1.54 -> 0.82 s, together 7.45 -> 7.33 s.
 *
 * <p>Results do not change: the throwaway model is a separate object, the kernels keep nothing
 * between calls but per-thread scratch buffers, and {@link #join} returns before training starts.
 */
public final class KernelWarmup {
    private final Thread thread;
    private volatile Throwable failure;

    private KernelWarmup(Module model, Loss loss, int classes, int batch, int[] sampleShape) {
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = batch;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        thread = new Thread(() -> {
            try (Workspace ws = Workspace.open()) {
                int n = Shapes.numel(shape);
                float[] x = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (i * 37 % 101) / 101f - 0.5f;
                }
                int[] labels = new int[batch];
                for (int i = 0; i < batch; i++) {
                    labels[i] = i % classes;
                }
                loss.compute(model.apply(Tensor.of(x, shape)), labels, batch).backward();
            } catch (Throwable t) {
                failure = t;
            }
        }, "bitflex-warmup");
        thread.setDaemon(true);
    }

    /**
     * Starts one forward and backward pass of {@code batch} synthetic samples of shape
     * {@code sampleShape} through {@code throwaway} (which nothing else may use), with labels
     * {@code i % classes}.
     */
    public static KernelWarmup start(Module throwaway, Loss loss, int classes, int batch, int... sampleShape) {
        if (batch < 1 || classes < 1) {
            throw new IllegalArgumentException("warm-up batch and classes must be >= 1, got " + batch + " and " + classes);
        }
        KernelWarmup w = new KernelWarmup(throwaway, loss, classes, batch, sampleShape);
        w.thread.start();
        return w;
    }

    /**
     * Waits for the pass to end; rethrows what it threw (a model that fails on the synthetic batch
     * would fail on the real one too). An interrupt stops the wait, not the pass.
     */
    public void join() {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        Throwable t = failure;
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        if (t != null) {
            throw new IllegalStateException("warm-up pass failed", t);
        }
    }
}

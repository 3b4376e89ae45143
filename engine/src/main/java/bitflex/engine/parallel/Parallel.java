package bitflex.engine.parallel;

import java.util.function.IntConsumer;

/**
 * The one executor all kernels share.
 *
 * <p>Its size defaults to the number of cores and can be set with {@link #setThreads(int)} or the
 * system property {@code bitflex.threads}. Work is always split into the same tasks whatever the
 * thread count, and every task writes only its own outputs, so results never depend on how many
 * threads ran them: callers must keep that rule (each task owns a disjoint part of the output and
 * does its reduction in a fixed order).
 */
public final class Parallel {
    /** The system property that sets the initial thread count. */
    public static final String THREADS_PROPERTY = "bitflex.threads";

    private static volatile WorkerPool pool;
    private static volatile int threads = initialThreads();

    private Parallel() {}

    private static int initialThreads() {
        String p = System.getProperty(THREADS_PROPERTY, "").trim();
        if (!p.isEmpty()) {
            try {
                int t = Integer.parseInt(p);
                if (t >= 1) {
                    return t;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
            throw new IllegalArgumentException(THREADS_PROPERTY + " must be a positive integer, got '" + p + "'");
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** How many threads kernels may use. */
    public static int threads() {
        return threads;
    }

    /** Sets how many threads kernels may use (1 runs everything on the caller's thread). */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        if (n != threads) {
            WorkerPool old = pool;
            pool = null;
            threads = n;
            if (old != null) {
                old.shutdown();
            }
        }
    }

    private static WorkerPool pool() {
        WorkerPool p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                p = pool;
                if (p == null) {
                    p = new WorkerPool(threads - 1, "bitflex-");
                    pool = p;
                }
            }
        }
        return p;
    }

    /**
     * Runs {@code body.accept(i)} for every {@code i} in {@code [0, tasks)}, on up to
     * {@link #threads()} threads (the caller is one of them), and returns when all are done. Runs
     * inline when there is one task, one thread, the caller already is a worker of this executor (no
     * nested fan-out), or another thread's fan-out is using the workers. The first exception thrown by
     * a task is rethrown here after all started tasks have finished.
     */
    public static void forEach(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        WorkerPool p = threads == 1 || tasks == 1 ? null : pool();
        if (p == null || p.isWorker(Thread.currentThread()) || !p.tryRun(tasks, body)) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
        }
    }

    /**
     * Splits {@code [0, n)} into contiguous chunks of at least {@code grain} elements (the count
     * depends only on {@code n} and {@code grain}, never on the thread count) and runs
     * {@code body.run(from, to)} on each.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int g = Math.max(1, grain);
        int chunks = (n + g - 1) / g;
        forEach(chunks, c -> body.run(c * g, Math.min(n, (c + 1) * g)));
    }

    /** A loop body over a half-open index range. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }
}

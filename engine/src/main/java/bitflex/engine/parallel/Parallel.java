package bitflex.engine.parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
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

    private static volatile ForkJoinPool pool;
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
            ForkJoinPool old = pool;
            pool = null;
            threads = n;
            if (old != null) {
                old.shutdown();
            }
        }
    }

    private static ForkJoinPool pool() {
        ForkJoinPool p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                p = pool;
                if (p == null) {
                    p = new ForkJoinPool(threads, workerFactory(), null, false);
                    pool = p;
                }
            }
        }
        return p;
    }

    private static ForkJoinPool.ForkJoinWorkerThreadFactory workerFactory() {
        return fjp -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(fjp);
            t.setName("bitflex-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Runs {@code body.accept(i)} for every {@code i} in {@code [0, tasks)}, on up to
     * {@link #threads()} threads, and returns when all are done. Runs inline when there is one
     * task, one thread, or the caller already is a worker of this executor (no nested fan-out).
     */
    public static void forEach(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        ForkJoinPool p = threads == 1 || tasks == 1 ? null : pool();
        boolean nested = p != null && Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == p;
        if (p == null || nested) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        p.invoke(new Range(body, 0, tasks));
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

    private static final class Range extends RecursiveAction {
        private final IntConsumer body;
        private final int lo;
        private final int hi;

        Range(IntConsumer body, int lo, int hi) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.accept(lo);
                return;
            }
            List<Range> parts = new ArrayList<>(2);
            int mid = (lo + hi) >>> 1;
            parts.add(new Range(body, lo, mid));
            parts.add(new Range(body, mid, hi));
            invokeAll(parts);
        }
    }
}

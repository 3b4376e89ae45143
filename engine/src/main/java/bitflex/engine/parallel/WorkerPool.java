package bitflex.engine.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A fixed set of worker threads that run one fan-out at a time together with the calling thread.
 *
 * <p>Why not a ForkJoinPool: kernels such as the GEMM of a small training batch take ~100 us, and a
 * parked pool thread takes tens of microseconds to wake on a virtual machine, so most of a fan-out
 * was spent waiting for the helper. Here a worker that finishes keeps polling for the next fan-out for
 * {@link #SPIN_NANOS} before it parks (kernels in a training step come back to back), the caller
 * works too, and all threads pull task indices from one counter. The idle worker polls with
 * {@link Thread#yield()}, so on a machine with as many cores as bitflex threads it gives its core to
 * the JIT compiler threads whenever they have work (measured: one-epoch MLP runs ~15% faster).
 */
final class WorkerPool {
    /** How long an idle worker polls for new work before it parks. */
    static final long SPIN_NANOS = 2_000_000L;
    /** Busy-wait rounds of a caller waiting for the last tasks before it starts yielding its core. */
    static final int SPINS_BEFORE_YIELD = 100_000;

    private final Worker[] workers;
    private final ReentrantLock submitLock = new ReentrantLock();
    private volatile Job job;
    private volatile boolean shutdown;

    WorkerPool(int helpers, String namePrefix) {
        workers = new Worker[helpers];
        for (int i = 0; i < helpers; i++) {
            workers[i] = new Worker(namePrefix + (i + 1));
            workers[i].start();
        }
    }

    /** The number of threads that work on a fan-out: the helpers plus the caller. */
    int parallelism() {
        return workers.length + 1;
    }

    /**
     * Runs {@code body} for every index in {@code [0, tasks)} on the caller and the workers. Returns
     * false without running anything when the pool is busy with another fan-out, this caller's or
     * another thread's (the caller then runs the tasks itself).
     */
    boolean tryRun(int tasks, IntConsumer body) {
        // A task that fans out again (the caller is inside its own fan-out) runs its part inline.
        if (submitLock.isHeldByCurrentThread() || !submitLock.tryLock()) {
            return false;
        }
        try {
            Job j = new Job(body, tasks);
            job = j;
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            j.drain();
            j.awaitDone();
            job = null;
            Throwable t = j.failure.get();
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            return true;
        } finally {
            submitLock.unlock();
        }
    }

    /** True if the current thread is one of this pool's workers. */
    boolean isWorker(Thread t) {
        return t instanceof Worker w && w.pool() == this;
    }

    void shutdown() {
        shutdown = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }

    private static final class Job {
        final IntConsumer body;
        final int tasks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(IntConsumer body, int tasks) {
            this.body = body;
            this.tasks = tasks;
        }

        void drain() {
            for (int i = next.getAndIncrement(); i < tasks; i = next.getAndIncrement()) {
                try {
                    if (failure.get() == null) {
                        body.accept(i);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    finished.incrementAndGet();
                }
            }
        }

        void awaitDone() {
            long spins = 0;
            while (finished.get() < tasks) {
                if (++spins < SPINS_BEFORE_YIELD) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }
    }

    private final class Worker extends Thread {
        volatile boolean parked;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        WorkerPool pool() {
            return WorkerPool.this;
        }

        @Override
        public void run() {
            Job last = null;
            while (!shutdown) {
                Job j = job;
                if (j != null && j != last) {
                    last = j;
                    j.drain();
                    continue;
                }
                long idleSince = System.nanoTime();
                while (!shutdown && (job == null || job == last) && System.nanoTime() - idleSince < SPIN_NANOS) {
                    // yield, not onSpinWait: a spinning worker held a whole core while the JIT's
                    // compiler threads waited for one (2 cores), which stretched the warm-up of a
                    // fresh JVM; with nothing else runnable, yield returns at once.
                    Thread.yield();
                }
                if (!shutdown && (job == null || job == last)) {
                    parked = true;
                    if (job == null || job == last) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
            }
        }
    }
}

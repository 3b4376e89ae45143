package bitflex.engine.memory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes held by the kernels' per-thread scratch buffers: GEMM packing panels, the convolutions'
 * padded, wide and column buffers, the chunk buffers of the integer kernels. They live outside any
 * {@code Workspace}, grow to the largest call their thread has made and stay for the thread's life,
 * so a memory ledger that counts only tensors and workspace leases misses them. Every such buffer is
 * allocated through this class, which keeps a count per thread; {@link #bytes()} adds up the threads
 * that are still alive (a thread's buffers die with it).
 */
public final class ScratchMemory {
    private static final Map<Thread, AtomicLong> BY_THREAD = new ConcurrentHashMap<>();
    private static final ThreadLocal<AtomicLong> MINE = ThreadLocal.withInitial(ScratchMemory::register);

    private ScratchMemory() {}

    private static AtomicLong register() {
        BY_THREAD.keySet().removeIf(t -> !t.isAlive());
        AtomicLong count = new AtomicLong();
        BY_THREAD.put(Thread.currentThread(), count);
        return count;
    }

    /** {@code old} when it holds at least {@code n} floats, else a new array of {@code n}, counted for this thread. */
    public static float[] floats(float[] old, int n) {
        if (old.length >= n) {
            return old;
        }
        MINE.get().addAndGet(4L * (n - old.length));
        return new float[n];
    }

    /** {@code old} when it holds at least {@code n} ints, else a new array of {@code n}, counted for this thread. */
    public static int[] ints(int[] old, int n) {
        if (old.length >= n) {
            return old;
        }
        MINE.get().addAndGet(4L * (n - old.length));
        return new int[n];
    }

    /**
     * {@code old} when it holds exactly {@code n} ints, else a new array of {@code n} that replaces it
     * (for tables whose length is read as a count), the difference counted for this thread.
     */
    public static int[] intsExactly(int[] old, int n) {
        if (old.length == n) {
            return old;
        }
        MINE.get().addAndGet(4L * (n - old.length));
        return new int[n];
    }

    /**
     * Uncounts {@code dropped}, an array this thread got from {@link #ints} or {@link #intsExactly}
     * and no longer holds (a cache that evicts an entry).
     */
    public static void release(int[] dropped) {
        MINE.get().addAndGet(-4L * dropped.length);
    }

    /** A new array of {@code n} longs, counted for this thread (fixed-size per-thread buffers). */
    public static long[] longs(int n) {
        MINE.get().addAndGet(8L * n);
        return new long[n];
    }

    /** A new array of {@code n} doubles, counted for this thread (fixed-size per-thread buffers). */
    public static double[] doubles(int n) {
        MINE.get().addAndGet(8L * n);
        return new double[n];
    }

    /** Scratch bytes the calling thread holds. */
    public static long threadBytes() {
        return MINE.get().get();
    }

    /** Scratch bytes all live threads hold (array payloads, headers not counted, as for tensors). */
    public static long bytes() {
        long sum = 0;
        for (Map.Entry<Thread, AtomicLong> e : BY_THREAD.entrySet()) {
            if (e.getKey().isAlive()) {
                sum += e.getValue().get();
            } else {
                BY_THREAD.remove(e.getKey());
            }
        }
        return sum;
    }
}

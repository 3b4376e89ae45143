package bitflex.bench.gemm;

import java.util.Arrays;

/**
 * Times a workload the way the peer script times numpy: a fixed warm-up (long enough for C2 to
 * compile the kernels: a kernel left in C1 code runs ~30x slower), then repetitions of a batch of
 * calls lasting about 20 ms each, for a fixed time. Reports the best and the median repetition.
 */
public final class GemmTimer {
    private GemmTimer() {}

    /**
     * GFLOP/s of the repetitions, and the heap the calling thread allocated per call while timed: a
     * warm Vector API kernel allocates next to nothing, so a large figure means C2 boxed vectors.
     */
    public record Result(double best, double median, int repetitions, int callsPerRepetition, double secondsPerCall,
                         long heapBytesPerCall) {}

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    public static Result time(GemmWorkload w, double warmupSeconds, double timedSeconds) {
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        do {
            w.run();
        } while (System.nanoTime() < warmEnd);
        double one = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            w.run();
            one = Math.min(one, Math.max(1e-7, (System.nanoTime() - t0) / 1e9));
        }
        int calls = (int) Math.max(1, Math.min(1_000_000, 0.02 / one));
        double flops = w.shape().flops() * calls;
        double[] rates = new double[16];
        int n = 0;
        long end = System.nanoTime() + (long) (timedSeconds * 1e9);
        double totalSeconds = 0;
        long heapBefore = THREADS.getCurrentThreadAllocatedBytes();
        while (System.nanoTime() < end || n < 5) {
            long s = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                w.run();
            }
            double dt = (System.nanoTime() - s) / 1e9;
            totalSeconds += dt;
            if (n == rates.length) {
                rates = Arrays.copyOf(rates, n * 2);
            }
            rates[n++] = flops / dt / 1e9;
        }
        long heapBytes = THREADS.getCurrentThreadAllocatedBytes() - heapBefore;
        double[] sorted = Arrays.copyOf(rates, n);
        Arrays.sort(sorted);
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Result(sorted[n - 1], median, n, calls, totalSeconds / ((double) n * calls),
                heapBytes / ((long) n * calls));
    }
}

package bitflex.engine.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void everyTaskRunsExactlyOnceForAnyThreadCount() {
        int saved = Parallel.threads();
        try {
            for (int threads : new int[] {1, 2, 3, 5}) {
                Parallel.setThreads(threads);
                for (int tasks : new int[] {0, 1, 2, 7, 100}) {
                    AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, tasks));
                    for (int rep = 0; rep < 50; rep++) {
                        Parallel.forEach(tasks, runs::incrementAndGet);
                    }
                    for (int i = 0; i < tasks; i++) {
                        assertEquals(50, runs.get(i), "task " + i + " of " + tasks + " on " + threads + " threads");
                    }
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void nestedAndConcurrentFanOutsComplete() throws Exception {
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(2);
            AtomicInteger sum = new AtomicInteger();
            Runnable caller = () -> {
                for (int rep = 0; rep < 200; rep++) {
                    Parallel.forEach(4, i -> Parallel.forEach(3, j -> sum.incrementAndGet()));
                }
            };
            Thread other = new Thread(caller);
            other.start();
            caller.run();
            other.join();
            assertEquals(2 * 200 * 4 * 3, sum.get());
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void aTaskFailureReachesTheCaller() {
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(2);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forEach(8, i -> {
                if (i == 5) {
                    throw new IllegalStateException("task 5");
                }
            }));
            assertEquals("task 5", e.getMessage());
            AtomicInteger after = new AtomicInteger();
            Parallel.forEach(8, i -> after.incrementAndGet());
            assertEquals(8, after.get(), "the executor still works after a failure");
        } finally {
            Parallel.setThreads(saved);
        }
    }
}

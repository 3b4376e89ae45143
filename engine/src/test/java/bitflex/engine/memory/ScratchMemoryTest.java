package bitflex.engine.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.gemm.Sgemm;
import bitflex.engine.parallel.Parallel;
import bitflex.engine.tensor.Functional;
import bitflex.engine.tensor.Tensor;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ScratchMemoryTest {
    /** Runs {@code body} on a new thread and returns that thread's scratch bytes afterwards. */
    private static long onFreshThread(Runnable body) throws InterruptedException {
        AtomicLong bytes = new AtomicLong(-1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                body.run();
                bytes.set(ScratchMemory.threadBytes());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError("the body failed on its thread", failure.get());
        }
        return bytes.get();
    }

    @Test
    void growingCountsTheNewElementsAndReusingCountsNothing() throws Exception {
        long bytes = onFreshThread(() -> {
            assertEquals(0, ScratchMemory.threadBytes(), "a new thread holds no scratch");
            float[] a = ScratchMemory.floats(new float[0], 100);
            assertEquals(100, a.length);
            assertEquals(400, ScratchMemory.threadBytes());
            assertSame(a, ScratchMemory.floats(a, 60), "a long enough buffer is reused");
            assertEquals(400, ScratchMemory.threadBytes());
            float[] b = ScratchMemory.floats(a, 150);
            assertEquals(150, b.length);
            assertEquals(600, ScratchMemory.threadBytes(), "the old buffer is dropped, so only the growth counts");
            int[] table = ScratchMemory.intsExactly(new int[0], 10);
            assertSame(table, ScratchMemory.intsExactly(table, 10));
            assertEquals(4, ScratchMemory.intsExactly(table, 4).length, "an exact table shrinks too");
            ScratchMemory.longs(3);
            ScratchMemory.doubles(2);
        });
        assertEquals(600 + 16 + 24 + 16, bytes);
    }

    @Test
    void kernelsThatKeepPerThreadBuffersCountThem() throws Exception {
        int threads = Parallel.threads();
        Parallel.setThreads(1); // everything on the calling thread, so its count is the whole story
        try {
            Random r = new Random(3);
            float[] a = new float[64 * 300];
            float[] b = new float[300 * 200];
            float[] c = new float[64 * 200];
            long gemm = onFreshThread(() -> Sgemm.sgemm(false, false, 64, 200, 300, 1f, a, 0, 300, b, 0, 200, 0f, c, 0, 200));
            assertTrue(gemm >= 4L * 64 * 300, "the packed panel of A alone is 64 x 300 floats, got " + gemm);

            Tensor x = Tensor.randn(r, 2, 3, 10, 10);
            Tensor w = Tensor.randn(r, 4, 3, 3, 3);
            long conv = onFreshThread(() -> {
                try (var g = Tensor.noGrad()) {
                    Functional.conv2d(x, w, null, 1, 1);
                }
            });
            // the direct kernel pads the 3 input planes (12 x 12 each at least) and writes 4 wide output planes
            assertTrue(conv >= 4L * (3 * 12 * 12 + 4 * 10 * 12), "padded input and wide output, got " + conv);
        } finally {
            Parallel.setThreads(threads);
        }
    }

    @Test
    void aThreadsScratchLeavesTheTotalWhenTheThreadEnds() throws Exception {
        CountDownLatch grown = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            ScratchMemory.floats(new float[0], 1 << 20);
            grown.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long before = ScratchMemory.bytes();
        t.start();
        grown.await();
        long during = ScratchMemory.bytes();
        release.countDown();
        t.join();
        long after = ScratchMemory.bytes();
        // other threads (a worker pool from another test) may hold scratch too, but none of them grows here
        assertTrue(during - before >= 4L << 20, "the live thread's 4 MB are counted: " + before + " -> " + during);
        assertTrue(during - after >= 4L << 20, "and leave the total with it: " + during + " -> " + after);
    }
}

package bitflex.engine.tensor;

import it.unimi.dsi.fastutil.ints.Int2ObjectOpenHashMap;
import java.util.ArrayDeque;
import java.util.ArrayList;

/**
 * A scope whose intermediate tensors borrow pooled {@code float[]} buffers, so a training step that
 * runs inside one allocates (almost) nothing once the pool is warm:
 *
 * <pre>{@code
 * try (var ws = Workspace.open()) {
 *     Tensor loss = model.forward(x) ... ;
 *     loss.backward();
 *     optimizer.step();          // updates parameters in place
 *     lossValue = loss.item();   // copy out what you want to keep
 * }
 * }</pre>
 *
 * <p><b>Lifetime rule.</b> Every tensor that an op creates while a workspace is open on this thread
 * (op results, views of them, and the gradients backward computes for non-leaf tensors) belongs to
 * that workspace; at {@link #close()} its buffer goes back to the pool and the tensor becomes dead:
 * reading it ({@code data()}, {@code item()}, {@code get}, using it in an op) throws
 * {@link IllegalStateException}. Tensors made by the factories ({@link Tensor#zeros}, {@link Tensor#of},
 * {@link Tensor#randn}, ...) and the {@code grad()} of leaf tensors always live on the ordinary heap and
 * outlive any workspace: keep parameters, their gradients, optimizer state and running statistics there,
 * and update them in place. To keep an op result, copy it out with {@link Tensor#toArray()} or
 * {@link Tensor#item()} before the scope closes.
 *
 * <p>Workspaces are per thread and nest; close them in reverse order of opening. Buffers are pooled by
 * exact length, per thread; {@link #clearPool()} drops them.
 */
public final class Workspace implements AutoCloseable {
    private static final ThreadLocal<Workspace> CURRENT = new ThreadLocal<>();
    private static final ThreadLocal<Int2ObjectOpenHashMap<ArrayDeque<float[]>>> POOL =
            ThreadLocal.withInitial(Int2ObjectOpenHashMap::new);
    private static final ThreadLocal<Int2ObjectOpenHashMap<ArrayDeque<int[]>>> INT_POOL =
            ThreadLocal.withInitial(Int2ObjectOpenHashMap::new);
    private static final ThreadLocal<long[]> FRESH = ThreadLocal.withInitial(() -> new long[1]);

    private final Workspace parent;
    private final Thread owner;
    private final ArrayList<float[]> leased = new ArrayList<>();
    private final ArrayList<int[]> leasedInts = new ArrayList<>();
    private boolean closed;
    private long leasedBytes;

    private Workspace(Workspace parent) {
        this.parent = parent;
        this.owner = Thread.currentThread();
    }

    /** Opens a workspace on this thread; tensors created until it closes borrow pooled buffers. */
    public static Workspace open() {
        Workspace ws = new Workspace(CURRENT.get());
        CURRENT.set(ws);
        return ws;
    }

    /** The innermost open workspace of this thread, or null. */
    static Workspace current() {
        return CURRENT.get();
    }

    /** A buffer of exactly n floats with arbitrary contents, from the current workspace or the heap. */
    static float[] allocate(Workspace ws, int n) {
        if (ws == null || n == 0) {
            return new float[n];
        }
        return ws.take(n);
    }

    /**
     * A float buffer of exactly n elements with arbitrary contents: borrowed from the current
     * workspace (returned when it closes, so do not keep it beyond) or, outside any, from the heap.
     * For saved state of custom ops and scratch space.
     */
    public static float[] borrowFloats(int n) {
        return allocate(CURRENT.get(), n);
    }

    /** Like {@link #borrowFloats} for ints. */
    public static int[] borrowInts(int n) {
        Workspace ws = CURRENT.get();
        if (ws == null || n == 0) {
            return new int[n];
        }
        ArrayDeque<int[]> q = INT_POOL.get().get(n);
        int[] buf = q == null ? null : q.pollLast();
        if (buf == null) {
            buf = new int[n];
            FRESH.get()[0]++;
        }
        ws.leasedInts.add(buf);
        ws.leasedBytes += (long) Integer.BYTES * n;
        return buf;
    }

    private float[] take(int n) {
        ArrayDeque<float[]> q = POOL.get().get(n);
        float[] buf = q == null ? null : q.pollLast();
        if (buf == null) {
            buf = new float[n];
            FRESH.get()[0]++;
        }
        leased.add(buf);
        leasedBytes += (long) Float.BYTES * n;
        return buf;
    }

    /**
     * Bytes of the buffers borrowed in this scope so far (float and int). Buffers return to the pool
     * only at {@link #close()}, so read just before closing it is the scope's peak footprint.
     */
    public long leasedBytes() {
        return leasedBytes;
    }

    /**
     * {@link #leasedBytes()} of this thread's workspaces that are open now, innermost to outermost
     * (0 outside any): what a training step has borrowed so far, for memory reports.
     */
    public static long openLeasedBytes() {
        long b = 0;
        for (Workspace ws = CURRENT.get(); ws != null; ws = ws.parent) {
            b += ws.leasedBytes;
        }
        return b;
    }

    /** Whether this workspace has been closed (its tensors are dead). */
    public boolean isClosed() {
        return closed;
    }

    /** How many buffers this thread's workspaces have had to allocate fresh (not from the pool). */
    public static long freshAllocations() {
        return FRESH.get()[0];
    }

    /** Forgets this thread's pooled buffers (they become garbage). */
    public static void clearPool() {
        POOL.get().clear();
        INT_POOL.get().clear();
    }

    /** Returns every buffer borrowed in this scope to the pool; its tensors become dead. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("Workspace closed on a thread other than the one that opened it");
        }
        if (CURRENT.get() != this) {
            throw new IllegalStateException("Workspace closed out of order: close inner workspaces first");
        }
        closed = true;
        Int2ObjectOpenHashMap<ArrayDeque<float[]>> pool = POOL.get();
        for (float[] buf : leased) {
            ArrayDeque<float[]> q = pool.get(buf.length);
            if (q == null) {
                q = new ArrayDeque<>();
                pool.put(buf.length, q);
            }
            q.addLast(buf);
        }
        leased.clear();
        Int2ObjectOpenHashMap<ArrayDeque<int[]>> ints = INT_POOL.get();
        for (int[] buf : leasedInts) {
            ArrayDeque<int[]> q = ints.get(buf.length);
            if (q == null) {
                q = new ArrayDeque<>();
                ints.put(buf.length, q);
            }
            q.addLast(buf);
        }
        leasedInts.clear();
        leasedBytes = 0;
        CURRENT.set(parent);
    }
}

package bitflex.engine.autograd;

/**
 * Whether ops record the autograd graph on this thread. Disabled inside a {@link NoGrad} scope and
 * while {@link Backprop} runs derivative rules (so gradients never build graphs of their own).
 */
public final class GradMode {
    private static final ThreadLocal<int[]> DISABLED_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private GradMode() {}

    /** True unless a no-grad scope is open on this thread. */
    public static boolean isEnabled() {
        return DISABLED_DEPTH.get()[0] == 0;
    }

    static void push() {
        DISABLED_DEPTH.get()[0]++;
    }

    static void pop() {
        DISABLED_DEPTH.get()[0]--;
    }
}

package bitflex.engine.autograd;

/**
 * A scope in which tensor ops record no graph: {@code try (var g = Tensor.noGrad()) { ... }}.
 * Scopes nest; each must be closed on the thread that opened it.
 */
public final class NoGrad implements AutoCloseable {
    private boolean closed;

    /** Opens a no-grad scope on this thread. */
    public NoGrad() {
        GradMode.push();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            GradMode.pop();
        }
    }
}

package bitflex.nn;

import bitflex.engine.tensor.Tensor;

/**
 * Intercepts one module's forward pass: registered with {@link Module#addForwardHook}, it runs
 * whenever the module is applied through {@link Module#apply} (which is how containers and the
 * trainer run their children). Precision policies use it to quantize a layer's input or output, and
 * sparse-update selection to capture a layer's activations; nn itself attaches none.
 */
public interface ForwardHook {
    /** Called before {@code module.forward}; returns the input to use (by default {@code input}). */
    default Tensor beforeForward(Module module, Tensor input) {
        return input;
    }

    /** Called after {@code module.forward}; returns the output to pass on (by default {@code output}). */
    default Tensor afterForward(Module module, Tensor input, Tensor output) {
        return output;
    }
}

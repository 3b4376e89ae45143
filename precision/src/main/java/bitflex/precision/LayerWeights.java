package bitflex.precision;

/**
 * Read access to a layer's current weights, by the name it was registered under, so a policy can
 * look at the weights after the optimizer step without knowing any nn type.
 */
@FunctionalInterface
public interface LayerWeights {
    /**
     * The layer's weights as float values (for integer storage: the dequantized values). The policy
     * only reads the array and does not keep it past the call.
     */
    float[] weights(String layer);
}

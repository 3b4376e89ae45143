package bitflex.precision.ledger;

/**
 * Bytes a layer holds during a training step, as the caller counted them from the buffers it really
 * allocated, plus the element counts the baselines are priced from.
 *
 * @param layer                   layer name, or {@code "total"}
 * @param parameterCount          number of weights (and biases) of the layer
 * @param parameterBytes          the live parameter storage (integers in their format, or floats)
 * @param masterCopyBytes         a float master copy kept beside quantized parameters (0 if none)
 * @param gradientBytes           weight-gradient buffers (0 for frozen layers)
 * @param optimizerStateBytes     optimizer slots (momentum, Adam moments)
 * @param optimizerSlots          optimizer values per parameter (SGD 0, momentum 1, Adam 2)
 * @param savedActivationElements elements saved in forward for backward (0 when frozen)
 * @param savedActivationBytes    their bytes as stored
 */
public record LayerMemory(String layer, long parameterCount, long parameterBytes, long masterCopyBytes,
                          long gradientBytes, long optimizerStateBytes, int optimizerSlots,
                          long savedActivationElements, long savedActivationBytes) {

    public LayerMemory {
        if (parameterCount < 0 || parameterBytes < 0 || masterCopyBytes < 0 || gradientBytes < 0
                || optimizerStateBytes < 0 || optimizerSlots < 0 || savedActivationElements < 0
                || savedActivationBytes < 0) {
            throw new IllegalArgumentException("LayerMemory " + layer + ": counts must be non-negative");
        }
    }

    /** Parameter storage including any master copy: what RCT's "parameter memory" compares. */
    public long parameterMemoryBytes() {
        return parameterBytes + masterCopyBytes;
    }

    /** Everything the layer holds at once during a step. */
    public long totalBytes() {
        return parameterBytes + masterCopyBytes + gradientBytes + optimizerStateBytes + savedActivationBytes;
    }

    /** The same layer trained in float32: every buffer 4 bytes per element, no master copy. */
    public LayerMemory fp32() {
        long g = gradientBytes == 0 ? 0 : 4 * parameterCount;
        return new LayerMemory(layer, parameterCount, 4 * parameterCount, 0, g,
                4L * optimizerSlots * parameterCount, optimizerSlots,
                savedActivationElements, 4 * savedActivationElements);
    }

    /** The same layer under QAT: int8 copy plus fp32 master, float gradients, state and activations. */
    public LayerMemory qat() {
        long g = gradientBytes == 0 ? 0 : 4 * parameterCount;
        return new LayerMemory(layer, parameterCount, parameterCount, 4 * parameterCount, g,
                4L * optimizerSlots * parameterCount, optimizerSlots,
                savedActivationElements, 4 * savedActivationElements);
    }

    public LayerMemory baseline(Baseline b) {
        return b == Baseline.FP32 ? fp32() : qat();
    }

    /** Field-wise sum, named {@code name}; the slot count keeps the larger. */
    public LayerMemory plus(String name, LayerMemory o) {
        return new LayerMemory(name, parameterCount + o.parameterCount, parameterBytes + o.parameterBytes,
                masterCopyBytes + o.masterCopyBytes, gradientBytes + o.gradientBytes,
                optimizerStateBytes + o.optimizerStateBytes, Math.max(optimizerSlots, o.optimizerSlots),
                savedActivationElements + o.savedActivationElements, savedActivationBytes + o.savedActivationBytes);
    }

    public static LayerMemory empty(String name) {
        return new LayerMemory(name, 0, 0, 0, 0, 0, 0, 0, 0);
    }
}

package bitflex.precision.training;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.precision.PrecisionPolicy;
import java.util.List;

/**
 * What a quantized training mode ({@link FakeQuantTraining}, the integer mode) tells reports and the
 * ledger about itself: which layers it quantizes, the formats each layer's three GEMM operands use
 * right now, and how many bytes its weights really occupy.
 *
 * <p>Layer names are the weights' {@link bitflex.nn.Module#namedParameters()} keys (for example
 * {@code 0.weight}). A null format means that operand is float32.
 */
public interface PrecisionRun {
    TrainingMode mode();

    /** The policy deciding the weight formats. */
    PrecisionPolicy policy();

    /** The quantized weights, in registration order. */
    List<String> layers();

    /** The layer's current weight format. */
    FixedPointFormat weightFormat(String layer);

    /** The format of the activations entering the layer's forward GEMM, or null if they are float32. */
    FixedPointFormat activationFormat(String layer);

    /**
     * The format of the layer's gradients in the backward pass (the weight gradient in fake-quant
     * mode, the output gradient entering the backward GEMMs in integer mode), or null if float32.
     */
    FixedPointFormat gradientFormat(String layer);

    /** Bytes of the weight storage the layer's forward pass reads (the arrays actually allocated). */
    long weightBytes(String layer);

    /** Bytes of a float32 master copy kept besides the weights (0 when there is none). */
    long masterCopyBytes(String layer);

    /**
     * Exact zeros of the weight storage the layer's forward pass reads (for density), or -1 when
     * that storage is the layer's float weight tensor and the reader may count it there. A mode that
     * keeps its weights elsewhere (integer codes) overrides this.
     */
    default long weightZeros(String layer) {
        return -1;
    }
}

package bitflex.precision.training;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.nn.Module;
import bitflex.precision.ledger.GemmGeometry;
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

    /**
     * The module that computes the layer when it is not the nn {@code Linear} or {@code Conv2d} that
     * owns a float weight of this name in the trained model (the integer mode's own layers): the
     * ledger hooks it to see its input shapes. Null (the default): look the layer up in the model.
     */
    default Module layerModule(String layer) {
        return null;
    }

    /** The geometry of a layer given by {@link #layerModule}, for its MAC counts (null: from the nn layer). */
    default GemmGeometry geometry(String layer) {
        return null;
    }

    /** Bytes of the layer's bias storage when the mode keeps it outside the nn parameters, or -1 (count the float tensor). */
    default long biasBytes(String layer) {
        return -1;
    }

    /** Bytes of the layer's weight- and bias-gradient buffers when the mode keeps them itself, or -1 (count the nn gradients). */
    default long gradientBytes(String layer) {
        return -1;
    }

    /** Bytes of optimizer state the mode keeps for the layer itself (fixed-point momentum), or -1 (ask the nn optimizer). */
    default long optimizerStateBytes(String layer) {
        return -1;
    }
}

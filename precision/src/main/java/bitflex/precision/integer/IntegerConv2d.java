package bitflex.precision.integer;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.QTensor;
import bitflex.engine.fixed.Rounding;
import bitflex.engine.fixed.gemm.ConvGeometry;
import bitflex.engine.fixed.gemm.IntConv2d;
import bitflex.engine.tensor.Tensor;
import bitflex.precision.ledger.GemmGeometry;
import java.util.Arrays;

/**
 * Integer-mode NCHW convolution (square kernel, equal stride and padding), on the engine's
 * {@link IntConv2d} forward and both gradients, with the same quantization steps as
 * {@link IntegerLinear}.
 */
public final class IntegerConv2d extends IntegerLayer {
    private final int in;
    private final int out;
    private final int kernel;
    private final int stride;
    private final int padding;

    IntegerConv2d(String name, int index, IntegerContext ctx, float[] w, int out, int in, int kernel, int stride, int padding,
                  FixedPointFormat wf, float[] b) {
        super(name, index, ctx, w, new int[] {out, in, kernel, kernel}, wf, b);
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 4 || x.size(1) != in) {
            throw new IllegalArgumentException("IntegerConv2d " + name() + " (" + in + " -> " + out + "): input must be [n, "
                    + in + ", h, w], got " + Arrays.toString(x.shape()));
        }
        IntegerOptions o = ctx.options();
        ConvGeometry geo = new ConvGeometry(x.size(0), in, x.size(2), x.size(3), out, kernel, kernel, stride, padding);
        QTensor qa = IntArith.quantizeDynamic(name() + " input", IntArith.dense(x), x.shape(), o.activationBits(),
                Rounding.NEAREST_EVEN, 0, 0);
        sawActivation(qa.format());
        QTensor w = weight();
        int accFl = qa.format().fracLength() + w.format().fracLength();
        Object acc = IntArith.narrow(IntArith.int8(qa, w) ? IntConv2d.forward(geo, IntArith.bytes(qa), IntArith.bytes(w), o.accumulator())
                : IntConv2d.forward(geo, IntArith.shorts(qa), IntArith.shorts(w), o.accumulator()), o.accumulator());
        if (bias() != null) {
            IntArith.addBias(acc, accFl, bias(), geo.n(), out, geo.pixels(), o.accumulator());
        }
        int[] outShape = {geo.n(), out, geo.oh(), geo.ow()};
        Tensor y = IntArith.carrier(IntArith.requantize(acc, accFl, o.outputBits(), outShape));
        return Tensor.recordCustom("IntegerConv2d " + name(), y, new Tensor[] {x}, g -> backward(g, x, geo, qa, w));
    }

    private Tensor[] backward(Tensor g, Tensor x, ConvGeometry geo, QTensor qa, QTensor w) {
        IntegerOptions o = ctx.options();
        QTensor qg = IntArith.quantizeDynamic(name() + " output gradient", IntArith.dense(g), g.shape(), o.gradientBits(),
                o.gradientRounding(), o.seed(), ctx.stream(index(), IntegerContext.Purpose.GRADIENT));
        sawGradient(qg.format());
        int gfl = qg.format().fracLength();
        Tensor dx = null;
        if (x.requiresGrad()) {
            Object acc = IntArith.narrow(IntArith.int8(qg, w)
                    ? IntConv2d.backwardInput(geo, IntArith.bytes(qg), IntArith.bytes(w), o.accumulator())
                    : IntConv2d.backwardInput(geo, IntArith.shorts(qg), IntArith.shorts(w), o.accumulator()), o.accumulator());
            dx = IntArith.carrier(IntArith.requantize(acc, gfl + w.format().fracLength(), o.outputBits(), x.shape()));
        }
        Object accW = IntArith.narrow(IntArith.int8(qa, qg)
                ? IntConv2d.backwardWeight(geo, IntArith.bytes(qa), IntArith.bytes(qg), o.accumulator())
                : IntConv2d.backwardWeight(geo, IntArith.shorts(qa), IntArith.shorts(qg), o.accumulator()), o.accumulator());
        QTensor gw = IntArith.requantize(accW, gfl + qa.format().fracLength(), o.weightGradientBits(), weightShape());
        long[] gb = bias() == null ? null : IntArith.channelSums(qg, geo.n(), out, geo.pixels());
        storeGradients(gw, gb, gfl);
        return new Tensor[] {dx};
    }

    @Override
    public GemmGeometry geometry() {
        return GemmGeometry.conv2d(in, out, kernel, stride, padding, bias() != null);
    }

    public int kernelSize() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }
}

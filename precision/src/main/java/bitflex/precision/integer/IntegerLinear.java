package bitflex.precision.integer;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.QTensor;
import bitflex.engine.fixed.Rounding;
import bitflex.engine.tensor.Tensor;
import bitflex.precision.ledger.GemmGeometry;
import java.util.Arrays;

/**
 * Integer-mode {@code y = x W^T + b}. Forward: x quantized to the activation format (dynamic per
 * batch, nearest-even), the integer GEMM into the modelled accumulator, the bias added there, and
 * the sum requantized to the output format; the result is a float carrier holding those exact grid
 * values. Backward: the output gradient quantized to the gradient format (stochastic by default),
 * then {@code dX = G W} and {@code dW = G^T A} on the integer GEMM, {@code db} summed exactly.
 */
public final class IntegerLinear extends IntegerLayer {
    private final int in;
    private final int out;

    IntegerLinear(String name, int index, IntegerContext ctx, float[] w, int out, int in, FixedPointFormat wf, float[] b) {
        super(name, index, ctx, w, new int[] {out, in}, wf, b);
        this.in = in;
        this.out = out;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 2 || x.size(1) != in) {
            throw new IllegalArgumentException("IntegerLinear " + name() + " (" + in + " -> " + out + "): input must be [n, "
                    + in + "], got " + Arrays.toString(x.shape()));
        }
        IntegerOptions o = ctx.options();
        int n = x.size(0);
        QTensor qa = IntArith.quantizeDynamic(name() + " input", IntArith.dense(x), new int[] {n, in}, o.activationBits(),
                Rounding.NEAREST_EVEN, 0, 0);
        sawActivation(qa.format());
        QTensor w = weight();
        int accFl = qa.format().fracLength() + w.format().fracLength();
        Object acc = IntArith.gemm(false, true, n, out, in, qa, w, o.accumulator());
        if (bias() != null) {
            IntArith.addBias(acc, accFl, bias(), n, out, 1, o.accumulator());
        }
        Tensor y = IntArith.carrier(IntArith.requantize(acc, accFl, o.outputBits(), new int[] {n, out}));
        return Tensor.recordCustom("IntegerLinear " + name(), y, new Tensor[] {x}, g -> backward(g, x, qa, w));
    }

    private Tensor[] backward(Tensor g, Tensor x, QTensor qa, QTensor w) {
        IntegerOptions o = ctx.options();
        int n = qa.dim(0);
        QTensor qg = IntArith.quantizeDynamic(name() + " output gradient", IntArith.dense(g), new int[] {n, out},
                o.gradientBits(), o.gradientRounding(), o.seed(), ctx.stream(index(), IntegerContext.Purpose.GRADIENT));
        sawGradient(qg.format());
        int gfl = qg.format().fracLength();
        Tensor dx = null;
        if (x.requiresGrad()) {
            Object acc = IntArith.gemm(false, false, n, in, out, qg, w, o.accumulator());
            dx = IntArith.carrier(IntArith.requantize(acc, gfl + w.format().fracLength(), o.outputBits(), new int[] {n, in}));
        }
        Object accW = IntArith.gemm(true, false, out, in, n, qg, qa, o.accumulator());
        QTensor gw = IntArith.requantize(accW, gfl + qa.format().fracLength(), o.weightGradientBits(), new int[] {out, in});
        long[] gb = bias() == null ? null : IntArith.channelSums(qg, n, out, 1);
        storeGradients(gw, gb, gfl);
        return new Tensor[] {dx};
    }

    @Override
    public GemmGeometry geometry() {
        return GemmGeometry.linear(in, out, bias() != null);
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }
}

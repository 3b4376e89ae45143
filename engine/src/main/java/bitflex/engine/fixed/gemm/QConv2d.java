package bitflex.engine.fixed.gemm;

import bitflex.engine.fixed.QTensor;
import bitflex.engine.fixed.Quantizer;
import java.util.Arrays;

/**
 * Quantized NCHW convolution on {@link QTensor}s: {@link IntConv2d} on the integers, then
 * requantization into {@code out}'s format. Both operands int8-sized use int8 kernels, otherwise
 * int16. The weight may carry per-output-channel fractional lengths in the forward pass and the
 * weight gradient's output; the input gradient needs a per-tensor weight format (its reduction
 * runs over output channels).
 */
public final class QConv2d {
    private QConv2d() {}

    /** Output {@code [n, o, oh, ow]}. */
    public static QTensor forward(QTensor x, QTensor w, int stride, int pad, Accumulator acc, Quantizer out) {
        ConvGeometry g = geometry("conv2d", x.shape(), w.shape(), stride, pad);
        if (x.isPerChannel()) {
            throw new IllegalArgumentException("conv2d: per-channel input formats are not supported");
        }
        IntOperands.require16("conv2d", x, "input");
        IntOperands.require16("conv2d", w, "weight");
        long[] accV = int8(x, w) ? IntConv2d.forward(g, IntOperands.int8(x), IntOperands.int8(w), acc)
                : IntConv2d.forward(g, IntOperands.int16(x), IntOperands.int16(w), acc);
        // Rows of the [n*o, pixels] view carry the weight's channel o.
        int[] rowFl = null;
        if (w.isPerChannel()) {
            int[] d = QMatmul.delta(w.channelFracLengths(), w.format().fracLength());
            rowFl = new int[g.n() * g.o()];
            for (int r = 0; r < rowFl.length; r++) {
                rowFl[r] = d[r % g.o()];
            }
        }
        Object dst = out.format().storage().allocate(g.outputSize());
        var stats = Requantize.apply(accV, g.n() * g.o(), g.pixels(), x.format().fracLength() + w.format().fracLength(),
                rowFl, null, out, dst);
        return QTensor.of(out.format(), dst, g.n(), g.o(), g.oh(), g.ow()).withClampStats(stats);
    }

    /** Input gradient {@code [n, c, h, w]} for an input of spatial size {@code h x w}. */
    public static QTensor backwardInput(QTensor dOut, QTensor w, int h, int wd, int stride, int pad,
                                        Accumulator acc, Quantizer out) {
        if (dOut.rank() != 4 || w.rank() != 4) {
            throw new IllegalArgumentException("conv2d backwardInput: dOut and weight must be rank 4, got "
                    + Arrays.toString(dOut.shape()) + ", " + Arrays.toString(w.shape()));
        }
        if (w.isPerChannel() || dOut.isPerChannel()) {
            throw new IllegalArgumentException("conv2d backwardInput: per-channel formats lie along the reduction; "
                    + "convert the weight to a per-tensor format first");
        }
        ConvGeometry g = new ConvGeometry(dOut.dim(0), w.dim(1), h, wd, w.dim(0), w.dim(2), w.dim(3), stride, pad);
        if (dOut.dim(1) != g.o() || dOut.dim(2) != g.oh() || dOut.dim(3) != g.ow()) {
            throw new IllegalArgumentException("conv2d backwardInput: dOut " + Arrays.toString(dOut.shape())
                    + " does not match " + g + " (expected [" + g.n() + ", " + g.o() + ", " + g.oh() + ", " + g.ow() + "])");
        }
        IntOperands.require16("conv2d backwardInput", dOut, "dOut");
        IntOperands.require16("conv2d backwardInput", w, "weight");
        long[] accV = int8(dOut, w) ? IntConv2d.backwardInput(g, IntOperands.int8(dOut), IntOperands.int8(w), acc)
                : IntConv2d.backwardInput(g, IntOperands.int16(dOut), IntOperands.int16(w), acc);
        Object dst = out.format().storage().allocate(g.inputSize());
        var stats = Requantize.apply(accV, 1, g.inputSize(), dOut.format().fracLength() + w.format().fracLength(),
                null, null, out, dst);
        return QTensor.of(out.format(), dst, g.n(), g.c(), g.h(), g.w()).withClampStats(stats);
    }

    /** Weight gradient {@code [o, c, kh, kw]}. */
    public static QTensor backwardWeight(QTensor x, QTensor dOut, int kh, int kw, int stride, int pad,
                                         Accumulator acc, Quantizer out) {
        if (x.rank() != 4 || dOut.rank() != 4) {
            throw new IllegalArgumentException("conv2d backwardWeight: input and dOut must be rank 4, got "
                    + Arrays.toString(x.shape()) + ", " + Arrays.toString(dOut.shape()));
        }
        if (x.isPerChannel() || dOut.isPerChannel()) {
            throw new IllegalArgumentException("conv2d backwardWeight: per-channel input or dOut formats are not supported");
        }
        ConvGeometry g = geometry("conv2d backwardWeight", x.shape(), new int[] {dOut.dim(1), x.dim(1), kh, kw}, stride, pad);
        if (dOut.dim(0) != g.n() || dOut.dim(2) != g.oh() || dOut.dim(3) != g.ow()) {
            throw new IllegalArgumentException("conv2d backwardWeight: dOut " + Arrays.toString(dOut.shape())
                    + " does not match " + g);
        }
        IntOperands.require16("conv2d backwardWeight", x, "input");
        IntOperands.require16("conv2d backwardWeight", dOut, "dOut");
        long[] accV = int8(x, dOut) ? IntConv2d.backwardWeight(g, IntOperands.int8(x), IntOperands.int8(dOut), acc)
                : IntConv2d.backwardWeight(g, IntOperands.int16(x), IntOperands.int16(dOut), acc);
        Object dst = out.format().storage().allocate(g.weightSize());
        var stats = Requantize.apply(accV, 1, g.weightSize(), x.format().fracLength() + dOut.format().fracLength(),
                null, null, out, dst);
        return QTensor.of(out.format(), dst, g.o(), g.c(), g.kh(), g.kw()).withClampStats(stats);
    }

    private static boolean int8(QTensor a, QTensor b) {
        return IntOperands.fitsInt8(a.format()) && IntOperands.fitsInt8(b.format());
    }

    private static ConvGeometry geometry(String op, int[] xs, int[] ws, int stride, int pad) {
        if (xs.length != 4 || ws.length != 4) {
            throw new IllegalArgumentException(op + ": input and weight must be rank 4 (NCHW, OIHW), got "
                    + Arrays.toString(xs) + ", " + Arrays.toString(ws));
        }
        if (xs[1] != ws[1]) {
            throw new IllegalArgumentException(op + ": input channels " + xs[1] + " differ from weight's " + ws[1]
                    + " (input " + Arrays.toString(xs) + ", weight " + Arrays.toString(ws) + ")");
        }
        return new ConvGeometry(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], stride, pad);
    }
}

package bitflex.precision.ledger;

/**
 * MAC counts of Linear and Conv2d layers, per pass, for PyTorch layouts ({@code Linear} weight
 * {@code [out, in]}, {@code Conv2d} weight {@code [out, in/groups, kh, kw]}, NCHW activations).
 *
 * <p>Each convolution is counted once per pass (the public AdaPT cost model counts it twice).
 * Convolution counts are those of the im2col GEMM: products with padding zeros are included, as the
 * kernel performs them. Bias additions are not MACs and are not counted. The two backward passes
 * of a layer cost exactly as many MACs as its forward pass.
 */
public final class MacCounter {
    private MacCounter() {}

    /** {@code Linear(in, out)} on a batch of {@code batch} rows. */
    public static LayerGemms linear(int batch, int in, int out) {
        positive("linear", "batch", batch);
        positive("linear", "in", in);
        positive("linear", "out", out);
        long macs = (long) batch * in * out;
        long w = (long) out * in;
        long x = (long) batch * in;
        long y = (long) batch * out;
        return new LayerGemms(new GemmShape(macs, w, x, y), new GemmShape(macs, w, y, x),
                new GemmShape(macs, y, x, w));
    }

    /** Square kernel, equal stride and padding, no groups. */
    public static LayerGemms conv2d(int batch, int inChannels, int outChannels, int height, int width,
                                    int kernel, int stride, int padding) {
        return conv2d(batch, inChannels, outChannels, height, width, kernel, kernel, stride, stride,
                padding, padding, 1);
    }

    /**
     * {@code Conv2d} with dilation 1: output size {@code (H + 2 pad - k) / stride + 1} per axis,
     * MACs {@code batch * outC * outH * outW * (inC / groups) * kh * kw} per pass.
     */
    public static LayerGemms conv2d(int batch, int inChannels, int outChannels, int height, int width,
                                    int kernelH, int kernelW, int strideH, int strideW,
                                    int padH, int padW, int groups) {
        positive("conv2d", "batch", batch);
        positive("conv2d", "inChannels", inChannels);
        positive("conv2d", "outChannels", outChannels);
        positive("conv2d", "height", height);
        positive("conv2d", "width", width);
        positive("conv2d", "kernelH", kernelH);
        positive("conv2d", "kernelW", kernelW);
        positive("conv2d", "strideH", strideH);
        positive("conv2d", "strideW", strideW);
        positive("conv2d", "groups", groups);
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException("MacCounter.conv2d: padding must be non-negative, got "
                    + padH + "x" + padW);
        }
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("MacCounter.conv2d: groups " + groups
                    + " must divide inChannels " + inChannels + " and outChannels " + outChannels);
        }
        int outH = (height + 2 * padH - kernelH) / strideH + 1;
        int outW = (width + 2 * padW - kernelW) / strideW + 1;
        if (height + 2 * padH < kernelH || width + 2 * padW < kernelW) {
            throw new IllegalArgumentException("MacCounter.conv2d: kernel " + kernelH + "x" + kernelW
                    + " larger than padded input " + (height + 2 * padH) + "x" + (width + 2 * padW));
        }
        long w = (long) outChannels * (inChannels / groups) * kernelH * kernelW;
        long x = (long) batch * inChannels * height * width;
        long y = (long) batch * outChannels * outH * outW;
        long macs = y * (inChannels / groups) * kernelH * kernelW;
        return new LayerGemms(new GemmShape(macs, w, x, y), new GemmShape(macs, w, y, x),
                new GemmShape(macs, y, x, w));
    }

    private static void positive(String op, String field, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException("MacCounter." + op + ": " + field + " must be positive, got " + v);
        }
    }
}

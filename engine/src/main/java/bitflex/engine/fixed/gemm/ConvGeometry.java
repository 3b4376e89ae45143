package bitflex.engine.fixed.gemm;

/**
 * The sizes of an NCHW convolution: input {@code [n, c, h, w]}, weight {@code [o, c, kh, kw]},
 * symmetric zero padding {@code pad}, equal strides; output {@code [n, o, oh, ow]}.
 */
public record ConvGeometry(int n, int c, int h, int w, int o, int kh, int kw, int stride, int pad) {
    public ConvGeometry {
        if (n < 0 || c < 1 || h < 1 || w < 1 || o < 1 || kh < 1 || kw < 1) {
            throw new IllegalArgumentException("conv2d: sizes must be positive (n >= 0), got input [" + n + ", " + c
                    + ", " + h + ", " + w + "], weight [" + o + ", " + c + ", " + kh + ", " + kw + "]");
        }
        if (stride < 1 || pad < 0) {
            throw new IllegalArgumentException("conv2d: stride must be >= 1 and pad >= 0, got stride=" + stride + " pad=" + pad);
        }
        if (h + 2 * pad < kh || w + 2 * pad < kw) {
            throw new IllegalArgumentException("conv2d: kernel " + kh + "x" + kw + " larger than padded input "
                    + (h + 2 * pad) + "x" + (w + 2 * pad));
        }
    }

    public int oh() {
        return (h + 2 * pad - kh) / stride + 1;
    }

    public int ow() {
        return (w + 2 * pad - kw) / stride + 1;
    }

    /** Rows of the im2col matrix: c * kh * kw. */
    public int patch() {
        return c * kh * kw;
    }

    /** Output pixels per image. */
    public int pixels() {
        return oh() * ow();
    }

    public int inputSize() {
        return n * c * h * w;
    }

    public int weightSize() {
        return o * c * kh * kw;
    }

    public int outputSize() {
        return n * o * oh() * ow();
    }
}

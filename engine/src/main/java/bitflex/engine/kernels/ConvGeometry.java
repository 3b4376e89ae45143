package bitflex.engine.kernels;

/**
 * Sizes of one 2-D convolution or pooling window over an NCHW input: channels C, input H x W, kernel
 * KH x KW, stride and zero padding; output OH x OW.
 */
public record ConvGeometry(int c, int h, int w, int kh, int kw, int strideH, int strideW, int padH, int padW) {
    /** Validates the sizes, naming {@code op} in the error. */
    public ConvGeometry {
        if (kh < 1 || kw < 1 || strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("conv geometry: kernel " + kh + "x" + kw + ", stride " + strideH + "x" + strideW
                    + ", padding " + padH + "x" + padW + " (need kernel >= 1, stride >= 1, padding >= 0)");
        }
        if (h + 2 * padH < kh || w + 2 * padW < kw) {
            throw new IllegalArgumentException("conv geometry: kernel " + kh + "x" + kw + " larger than padded input "
                    + (h + 2 * padH) + "x" + (w + 2 * padW));
        }
    }

    public int oh() {
        return (h + 2 * padH - kh) / strideH + 1;
    }

    public int ow() {
        return (w + 2 * padW - kw) / strideW + 1;
    }

    /** Rows of the column matrix: C * KH * KW. */
    public int patch() {
        return c * kh * kw;
    }

    /** Output positions per plane: OH * OW. */
    public int positions() {
        return oh() * ow();
    }

    /** Whether im2col is the identity (1x1 kernel, stride 1, no padding). */
    public boolean pointwise() {
        return kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0;
    }
}

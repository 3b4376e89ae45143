package bitflex.engine.kernels;

/** Scalar twin of {@link Im2col}: one element at a time with explicit bounds checks. */
public final class Im2colScalar {
    private Im2colScalar() {}

    public static void im2col(float[] x, int xOff, ConvGeometry g, float[] col, int colOff, int ld) {
        int oh = g.oh(), ow = g.ow();
        for (int c = 0; c < g.c(); c++) {
            for (int i = 0; i < g.kh(); i++) {
                for (int j = 0; j < g.kw(); j++) {
                    int row = (c * g.kh() + i) * g.kw() + j;
                    for (int y = 0; y < oh; y++) {
                        for (int q = 0; q < ow; q++) {
                            int ih = y * g.strideH() - g.padH() + i;
                            int iw = q * g.strideW() - g.padW() + j;
                            boolean in = ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w();
                            col[colOff + row * ld + y * ow + q] = in ? x[xOff + (c * g.h() + ih) * g.w() + iw] : 0f;
                        }
                    }
                }
            }
        }
    }

    public static void col2im(float[] col, int colOff, int ld, ConvGeometry g, float[] dx, int dxOff) {
        int oh = g.oh(), ow = g.ow();
        for (int p = 0; p < g.c() * g.h() * g.w(); p++) {
            dx[dxOff + p] = 0f;
        }
        for (int c = 0; c < g.c(); c++) {
            for (int i = 0; i < g.kh(); i++) {
                for (int j = 0; j < g.kw(); j++) {
                    int row = (c * g.kh() + i) * g.kw() + j;
                    for (int y = 0; y < oh; y++) {
                        for (int q = 0; q < ow; q++) {
                            int ih = y * g.strideH() - g.padH() + i;
                            int iw = q * g.strideW() - g.padW() + j;
                            if (ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w()) {
                                dx[dxOff + (c * g.h() + ih) * g.w() + iw] += col[colOff + row * ld + y * ow + q];
                            }
                        }
                    }
                }
            }
        }
    }
}

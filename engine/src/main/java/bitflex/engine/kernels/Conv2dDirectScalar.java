package bitflex.engine.kernels;

/**
 * Scalar twin of {@link Conv2dDirect}: the same wide-grid arithmetic, one float at a time, with the
 * weight-gradient lanes emulated for a given lane count; bit-identical to the vector kernel when
 * {@code lanes == Conv2dDirect.VL}.
 */
final class Conv2dDirectScalar {
    private Conv2dDirectScalar() {}

    static void forwardSample(float[] x, int xOff, ConvGeometry g, float[] w, int o, float[] b, float[] y, int yOff) {
        int lr = Conv2dDirect.wideLength(g), wp = Conv2dDirect.paddedWidth(g), kh = g.kh(), kw = g.kw(), kk = kh * kw;
        float[] xp = new float[Conv2dDirect.paddedLength(g)];
        float[] wide = new float[o * lr];
        Conv2dDirect.pad(x, xOff, g, xp, 0);
        for (int k = 0; k < o; k++) {
            for (int p = 0; p < lr; p++) {
                float acc = 0f;
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        acc = Math.fma(w[k * kk + i * kw + j], xp[p + i * wp + j], acc);
                    }
                }
                wide[k * lr + p] = acc;
            }
        }
        Conv2dDirect.unwiden(wide, g, o, b, y, yOff);
    }

    static void chunkWeightGrad(float[] x, int from, int cnt, ConvGeometry g, float[] dy, int o, float[] out, int outOff, int lanes) {
        int xs = g.h() * g.w(), ys = o * g.positions();
        int pl = Conv2dDirect.paddedLength(g), lr = Conv2dDirect.wideLength(g), wp = Conv2dDirect.paddedWidth(g);
        int kw = g.kw(), kk = g.kh() * kw;
        float[] xp = new float[cnt * pl];
        float[] dyw = new float[cnt * o * lr];
        for (int s = 0; s < cnt; s++) {
            Conv2dDirect.pad(x, (from + s) * xs, g, xp, s * pl);
            Conv2dDirect.widen(dy, (from + s) * ys, g, o, dyw, s * o * lr);
        }
        float[] acc = new float[lanes];
        for (int k = 0; k < o; k++) {
            for (int t = 0; t < kk; t++) {
                int shift = (t / kw) * wp + t % kw;
                java.util.Arrays.fill(acc, 0f);
                for (int s = 0; s < cnt; s++) {
                    for (int p = 0; p < lr; p++) {
                        int l = p % lanes;
                        acc[l] = Math.fma(dyw[(s * o + k) * lr + p], xp[s * pl + shift + p], acc[l]);
                    }
                }
                float sum = 0f;
                for (int l = 0; l < lanes; l++) {
                    sum += acc[l];
                }
                out[outOff + k * kk + t] = sum;
            }
        }
    }
}

package bitflex.engine.kernels;

/**
 * Scalar twin of {@link Conv2dDirectMulti} and {@link Conv2dDirectWeightGrad}: the same wide-grid arithmetic, one float at a time, with
 * the weight-gradient lanes emulated for a given lane count; bit-identical to the vector kernel when
 * {@code lanes == Conv2dDirect.VL}.
 */
final class Conv2dDirectMultiScalar {
    private Conv2dDirectMultiScalar() {}

    /** The twin of {@link Conv2dDirectMulti#correlateWide}. */
    static void correlateWide(float[] in, int off, int[] offs, float[] wt, int nOut, float[] wide, int lr) {
        int ckk = offs.length;
        for (int k = 0; k < nOut; k++) {
            for (int p = 0; p < lr; p++) {
                float acc = 0f;
                for (int u = 0; u < ckk; u++) {
                    acc = Math.fma(wt[k * ckk + u], in[off + p + offs[u]], acc);
                }
                wide[k * lr + p] = acc;
            }
        }
    }

    /** The twin of {@link Conv2dDirect#unwiden}. */
    static void unwiden(float[] wide, ConvGeometry g, int o, float[] b, float[] y, int yOff) {
        int lr = Conv2dDirect.wideLength(g), wp = Conv2dDirect.paddedWidth(g), oh = g.oh(), ow = g.ow();
        for (int k = 0; k < o; k++) {
            for (int r = 0; r < oh; r++) {
                int src = k * lr + r * wp;
                int dst = yOff + (k * oh + r) * ow;
                for (int q = 0; q < ow; q++) {
                    y[dst + q] = b == null ? wide[src + q] : wide[src + q] + b[k];
                }
            }
        }
    }

    static void forwardChunk(float[] x, int from, int cnt, ConvGeometry g, float[] w, int o, float[] b, float[] y) {
        int c = g.c(), plane = g.h() * g.w(), ys = o * g.positions();
        int pl = Conv2dDirect.paddedLength(g), lr = Conv2dDirect.wideLength(g);
        float[] xp = new float[c * pl];
        float[] wide = new float[o * lr];
        for (int n = from; n < from + cnt; n++) {
            for (int ch = 0; ch < c; ch++) {
                Conv2dDirect.pad(x, (n * c + ch) * plane, g, xp, ch * pl);
            }
            correlateWide(xp, 0, Conv2dDirectMulti.tapOffsets(c, g.kh(), g.kw(), pl, Conv2dDirect.paddedWidth(g)), w, o, wide, lr);
            unwiden(wide, g, o, b, y, n * ys);
        }
    }

    static void inputGradChunk(float[] dy, int from, int cnt, ConvGeometry g, float[] w, int o, float[] dx) {
        int c = g.c(), xs = c * g.h() * g.w(), p = g.positions();
        int pl = Conv2dDirectMulti.gradPaddedLength(g), lr = Conv2dDirectMulti.gradWideLength(g), wq = Conv2dDirect.paddedWidth(g);
        float[] wt = Conv2dDirectMulti.turnedKernel(w, g, o);
        float[] dyp = new float[o * pl];
        float[] wide = new float[c * lr];
        for (int n = from; n < from + cnt; n++) {
            for (int k = 0; k < o; k++) {
                Conv2dDirectMulti.padGrad(dy, (n * o + k) * p, g, dyp, k * pl);
            }
            correlateWide(dyp, Conv2dDirectMulti.gradOffset(g), Conv2dDirectMulti.tapOffsets(o, g.kh(), g.kw(), pl, wq), wt, c, wide, lr);
            Conv2dDirectMulti.unwidenGrad(wide, g, dx, n * xs);
        }
    }

    static void chunkWeightGrad(float[] x, int from, int cnt, ConvGeometry g, float[] dy, int o, float[] out, int outOff, int lanes) {
        int c = g.c(), plane = g.h() * g.w(), ys = o * g.positions();
        int pl = Conv2dDirect.paddedLength(g), lr = Conv2dDirect.wideLength(g), wp = Conv2dDirect.paddedWidth(g);
        int kw = g.kw(), kk = g.kh() * kw;
        float[] xp = new float[cnt * c * pl];
        float[] dyw = new float[cnt * o * lr];
        for (int s = 0; s < cnt; s++) {
            for (int ch = 0; ch < c; ch++) {
                Conv2dDirect.pad(x, ((from + s) * c + ch) * plane, g, xp, (s * c + ch) * pl);
            }
            Conv2dDirect.widen(dy, (from + s) * ys, g, o, dyw, s * o * lr);
        }
        float[] acc = new float[lanes];
        for (int k = 0; k < o; k++) {
            for (int ch = 0; ch < c; ch++) {
                for (int t = 0; t < kk; t++) {
                    int shift = ch * pl + (t / kw) * wp + t % kw;
                    java.util.Arrays.fill(acc, 0f);
                    for (int s = 0; s < cnt; s++) {
                        for (int p = 0; p < lr; p++) {
                            int l = p % lanes;
                            acc[l] = Math.fma(dyw[(s * o + k) * lr + p], xp[s * c * pl + shift + p], acc[l]);
                        }
                    }
                    float sum = 0f;
                    for (int l = 0; l < lanes; l++) {
                        sum += acc[l];
                    }
                    out[outOff + (k * c + ch) * kk + t] = sum;
                }
            }
        }
    }
}

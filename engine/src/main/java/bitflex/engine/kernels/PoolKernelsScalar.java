package bitflex.engine.kernels;

/** Scalar twin of {@link PoolKernels}: every window element visited with its own bounds check. */
public final class PoolKernelsScalar {
    private PoolKernelsScalar() {}

    public static void maxForward(float[] x, ConvGeometry g, int from, int to, float[] y) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        for (int pl = from; pl < to; pl++) {
            for (int r = 0; r < oh; r++) {
                for (int c = 0; c < ow; c++) {
                    float m = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < g.kh(); i++) {
                        for (int j = 0; j < g.kw(); j++) {
                            int ih = r * g.strideH() - g.padH() + i;
                            int iw = c * g.strideW() - g.padW() + j;
                            if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                m = Math.max(m, x[pl * h * w + ih * w + iw]);
                            }
                        }
                    }
                    y[(pl * oh + r) * ow + c] = m;
                }
            }
        }
    }

    public static void reluMaxForward(float[] x, ConvGeometry g, int from, int to, float[] y) {
        maxForward(x, g, from, to, y);
        for (int i = from * g.oh() * g.ow(); i < to * g.oh() * g.ow(); i++) {
            y[i] = y[i] > 0f || Float.isNaN(y[i]) ? y[i] : 0f;
        }
    }

    public static void reluMaxBackward(float[] x, float[] y, float[] dy, ConvGeometry g, int from, int to, float[] dx) {
        maxBackward(x, y, dy, g, from, to, dx, true);
    }

    public static void maxBackward(float[] x, float[] y, float[] dy, ConvGeometry g, int from, int to, float[] dx) {
        maxBackward(x, y, dy, g, from, to, dx, false);
    }

    private static void maxBackward(float[] x, float[] y, float[] dy, ConvGeometry g, int from, int to, float[] dx, boolean relu) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        for (int pl = from; pl < to; pl++) {
            for (int k = 0; k < h * w; k++) {
                dx[pl * h * w + k] = 0f;
            }
            for (int r = 0; r < oh; r++) {
                for (int c = 0; c < ow; c++) {
                    float m = y[(pl * oh + r) * ow + c];
                    boolean done = relu && !(m > 0f);
                    for (int i = 0; i < g.kh() && !done; i++) {
                        for (int j = 0; j < g.kw() && !done; j++) {
                            int ih = r * g.strideH() - g.padH() + i;
                            int iw = c * g.strideW() - g.padW() + j;
                            if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
                                continue;
                            }
                            float v = x[pl * h * w + ih * w + iw];
                            if (v == m || (Float.isNaN(m) && Float.isNaN(v))) {
                                dx[pl * h * w + ih * w + iw] += dy[(pl * oh + r) * ow + c];
                                done = true;
                            }
                        }
                    }
                }
            }
        }
    }

    public static void avgForward(float[] x, ConvGeometry g, int from, int to, float[] y) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        float inv = 1f / (g.kh() * g.kw());
        for (int pl = from; pl < to; pl++) {
            for (int r = 0; r < oh; r++) {
                for (int c = 0; c < ow; c++) {
                    float s = 0f;
                    for (int i = 0; i < g.kh(); i++) {
                        for (int j = 0; j < g.kw(); j++) {
                            int ih = r * g.strideH() - g.padH() + i;
                            int iw = c * g.strideW() - g.padW() + j;
                            if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                s += x[pl * h * w + ih * w + iw];
                            }
                        }
                    }
                    y[(pl * oh + r) * ow + c] = s * inv;
                }
            }
        }
    }

    public static void avgBackward(float[] dy, ConvGeometry g, int from, int to, float[] dx) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        float inv = 1f / (g.kh() * g.kw());
        for (int pl = from; pl < to; pl++) {
            for (int k = 0; k < h * w; k++) {
                dx[pl * h * w + k] = 0f;
            }
            for (int r = 0; r < oh; r++) {
                for (int c = 0; c < ow; c++) {
                    float v = dy[(pl * oh + r) * ow + c] * inv;
                    for (int i = 0; i < g.kh(); i++) {
                        for (int j = 0; j < g.kw(); j++) {
                            int ih = r * g.strideH() - g.padH() + i;
                            int iw = c * g.strideW() - g.padW() + j;
                            if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                dx[pl * h * w + ih * w + iw] += v;
                            }
                        }
                    }
                }
            }
        }
    }
}

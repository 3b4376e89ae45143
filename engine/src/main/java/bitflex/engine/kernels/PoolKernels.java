package bitflex.engine.kernels;

import java.util.Arrays;

/**
 * Max and average pooling over planes (each plane H x W of one sample and channel). Windows are
 * clipped to the input, so padding never wins a max and adds zeros to an average; the average divides
 * by KH * KW (PyTorch's default {@code count_include_pad=true}). Max pooling keeps, per output, the
 * flat in-plane index of the first maximum in row-major window order; backward scatters to it.
 * The window bounds are computed once per output row and column (no per-element checks); the twin
 * {@link PoolKernelsScalar} checks every element and must agree bit for bit.
 */
public final class PoolKernels {
    private PoolKernels() {}

    /** Max-pools planes [from, to) of x into y, recording arg-max indices. */
    public static void maxForward(float[] x, ConvGeometry g, int from, int to, float[] y, int[] arg) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        for (int pl = from; pl < to; pl++) {
            int xb = pl * h * w;
            int yb = pl * oh * ow;
            for (int r = 0; r < oh; r++) {
                int i0 = Math.max(0, r * g.strideH() - g.padH());
                int i1 = Math.min(h, r * g.strideH() - g.padH() + g.kh());
                for (int c = 0; c < ow; c++) {
                    int j0 = Math.max(0, c * g.strideW() - g.padW());
                    int j1 = Math.min(w, c * g.strideW() - g.padW() + g.kw());
                    float m = Float.NEGATIVE_INFINITY;
                    int best = -1;
                    for (int i = i0; i < i1; i++) {
                        int rowBase = xb + i * w;
                        for (int j = j0; j < j1; j++) {
                            float v = x[rowBase + j];
                            if (v > m || best < 0) {
                                m = v;
                                best = i * w + j;
                            }
                        }
                    }
                    y[yb + r * ow + c] = m;
                    arg[yb + r * ow + c] = best;
                }
            }
        }
    }

    /** dx planes [from, to) overwritten: each output's gradient added at its arg-max. */
    public static void maxBackward(float[] dy, int[] arg, ConvGeometry g, int from, int to, float[] dx) {
        int hw = g.h() * g.w();
        int ohw = g.oh() * g.ow();
        for (int pl = from; pl < to; pl++) {
            Arrays.fill(dx, pl * hw, (pl + 1) * hw, 0f);
            for (int k = 0; k < ohw; k++) {
                int a = arg[pl * ohw + k];
                if (a >= 0) {
                    dx[pl * hw + a] += dy[pl * ohw + k];
                }
            }
        }
    }

    /** Average-pools planes [from, to) of x into y. */
    public static void avgForward(float[] x, ConvGeometry g, int from, int to, float[] y) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        float inv = 1f / (g.kh() * g.kw());
        for (int pl = from; pl < to; pl++) {
            int xb = pl * h * w;
            int yb = pl * oh * ow;
            for (int r = 0; r < oh; r++) {
                int i0 = Math.max(0, r * g.strideH() - g.padH());
                int i1 = Math.min(h, r * g.strideH() - g.padH() + g.kh());
                for (int c = 0; c < ow; c++) {
                    int j0 = Math.max(0, c * g.strideW() - g.padW());
                    int j1 = Math.min(w, c * g.strideW() - g.padW() + g.kw());
                    float s = 0f;
                    for (int i = i0; i < i1; i++) {
                        int rowBase = xb + i * w;
                        for (int j = j0; j < j1; j++) {
                            s += x[rowBase + j];
                        }
                    }
                    y[yb + r * ow + c] = s * inv;
                }
            }
        }
    }

    /** dx planes [from, to) overwritten with the average-pooling gradient. */
    public static void avgBackward(float[] dy, ConvGeometry g, int from, int to, float[] dx) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        float inv = 1f / (g.kh() * g.kw());
        for (int pl = from; pl < to; pl++) {
            int xb = pl * h * w;
            int yb = pl * oh * ow;
            Arrays.fill(dx, xb, xb + h * w, 0f);
            for (int r = 0; r < oh; r++) {
                int i0 = Math.max(0, r * g.strideH() - g.padH());
                int i1 = Math.min(h, r * g.strideH() - g.padH() + g.kh());
                for (int c = 0; c < ow; c++) {
                    int j0 = Math.max(0, c * g.strideW() - g.padW());
                    int j1 = Math.min(w, c * g.strideW() - g.padW() + g.kw());
                    float v = dy[yb + r * ow + c] * inv;
                    for (int i = i0; i < i1; i++) {
                        int rowBase = xb + i * w;
                        for (int j = j0; j < j1; j++) {
                            dx[rowBase + j] += v;
                        }
                    }
                }
            }
        }
    }
}

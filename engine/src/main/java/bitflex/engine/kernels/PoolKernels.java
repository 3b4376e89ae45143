package bitflex.engine.kernels;

import java.util.Arrays;

/**
 * Max and average pooling over planes (each plane H x W of one sample and channel); the 2x2 / stride 2
 * max pool goes to the vectorised {@link MaxPool2x2}. Windows are
 * clipped to the input, so padding never wins a max and adds zeros to an average; the average divides
 * by KH * KW (PyTorch's default {@code count_include_pad=true}). Max pooling stores only its output;
 * backward finds each window's winner again (the first element equal to the maximum).
 * The window bounds are computed once per output row and column (no per-element checks); the twin
 * {@link PoolKernelsScalar} checks every element and must agree bit for bit.
 */
public final class PoolKernels {
    private PoolKernels() {}

    /** Max-pools planes [from, to) of x into y: Math.max over the window in row-major order (NaN wins). */
    public static void maxForward(float[] x, ConvGeometry g, int from, int to, float[] y) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        if (MaxPool2x2.applies(g)) {
            MaxPool2x2.forward(x, g, from, to, y, false);
            return;
        }
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
                    for (int i = i0; i < i1; i++) {
                        int rowBase = xb + i * w;
                        for (int j = j0; j < j1; j++) {
                            m = Math.max(m, x[rowBase + j]);
                        }
                    }
                    y[yb + r * ow + c] = m;
                }
            }
        }
    }

    /**
     * dx planes [from, to) overwritten: each output's gradient goes to the first window element (in
     * row-major order) equal to the output (or the first NaN when the output is NaN), added in output
     * order. The winner is found again from x and y instead of being stored by forward.
     */
    public static void maxBackward(float[] x, float[] y, float[] dy, ConvGeometry g, int from, int to, float[] dx) {
        maxBackward(x, y, dy, g, from, to, dx, false);
    }

    /**
     * Max pooling of ReLU(x), planes [from, to) of x into y: the window max, then max(., 0). Equal bit
     * for bit to ReLU then {@link #maxForward} (max commutes with the monotone max(., 0)), without
     * writing the full-size ReLU output.
     */
    public static void reluMaxForward(float[] x, ConvGeometry g, int from, int to, float[] y) {
        if (MaxPool2x2.applies(g)) {
            MaxPool2x2.forward(x, g, from, to, y, true);
            return;
        }
        maxForward(x, g, from, to, y);
        int per = g.oh() * g.ow();
        for (int i = from * per, end = to * per; i < end; i++) {
            y[i] = Math.max(y[i], 0f);
        }
    }

    /**
     * Gradient of {@link #reluMaxForward} w.r.t. its input x (dx planes [from, to) overwritten): an
     * output's gradient goes to its max-pool winner only when the output is positive (a zero or NaN
     * output means the ReLU derivative, 0 there, kills it). Bit for bit what {@link #maxBackward} of
     * the ReLU output followed by the ReLU backward gives.
     */
    public static void reluMaxBackward(float[] x, float[] y, float[] dy, ConvGeometry g, int from, int to, float[] dx) {
        maxBackward(x, y, dy, g, from, to, dx, true);
    }

    private static void maxBackward(float[] x, float[] y, float[] dy, ConvGeometry g, int from, int to, float[] dx, boolean relu) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        if (MaxPool2x2.applies(g)) {
            MaxPool2x2.backward(x, y, dy, g, from, to, dx, relu);
            return;
        }
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
                    float m = y[yb + r * ow + c];
                    if (relu && !(m > 0f)) {
                        continue;
                    }
                    boolean nan = m != m;
                    search:
                    for (int i = i0; i < i1; i++) {
                        int rowBase = xb + i * w;
                        for (int j = j0; j < j1; j++) {
                            float v = x[rowBase + j];
                            if (v == m || (nan && v != v)) {
                                dx[rowBase + j] += dy[yb + r * ow + c];
                                break search;
                            }
                        }
                    }
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

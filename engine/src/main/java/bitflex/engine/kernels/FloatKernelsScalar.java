package bitflex.engine.kernels;

/**
 * Scalar twin of {@link FloatKernels}: same signatures, one element at a time, the same per-element
 * formulas (so elementwise results are bit-identical) and plain left-to-right sums.
 */
public final class FloatKernelsScalar {
    private FloatKernelsScalar() {}

    /** a op b for one pair of elements. */
    public static float apply(int op, float a, float b) {
        return switch (op) {
            case FloatKernels.ADD -> a + b;
            case FloatKernels.SUB -> a - b;
            case FloatKernels.MUL -> a * b;
            case FloatKernels.DIV -> a / b;
            case FloatKernels.MAX -> Math.max(a, b);
            case FloatKernels.MIN -> Math.min(a, b);
            default -> throw new IllegalArgumentException("binary: unknown op " + op);
        };
    }

    /** op(x) for one element. */
    public static float apply(int op, float x) {
        return switch (op) {
            case FloatKernels.NEG -> -x;
            case FloatKernels.EXP -> FloatMath.exp(x);
            case FloatKernels.LOG -> (float) Math.log(x);
            case FloatKernels.SQRT -> (float) Math.sqrt(x);
            case FloatKernels.RELU -> Math.max(x, 0f);
            case FloatKernels.SIGMOID -> FloatMath.sigmoid(x);
            case FloatKernels.TANH -> FloatMath.tanh(x);
            case FloatKernels.ABS -> Math.abs(x);
            default -> throw new IllegalArgumentException("unary: unknown op " + op);
        };
    }

    /** x^p with the same shortcuts as the SIMD kernel. */
    public static float pow(float x, float p) {
        if (p == 2f) {
            return x * x;
        } else if (p == 1f) {
            return x;
        } else if (p == 0.5f) {
            return (float) Math.sqrt(x);
        } else if (p == -1f) {
            return 1f / x;
        }
        return (float) Math.pow(x, p);
    }

    public static void binary(int op, float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            out[oo + i] = apply(op, a[ao + i], b[bo + i]);
        }
    }

    public static void binaryScalar(int op, float[] a, int ao, float s, boolean scalarLeft, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            out[oo + i] = scalarLeft ? apply(op, s, a[ao + i]) : apply(op, a[ao + i], s);
        }
    }

    public static void unary(int op, float[] x, int xo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            out[oo + i] = apply(op, x[xo + i]);
        }
    }

    public static void clamp(float[] x, int xo, float lo, float hi, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            out[oo + i] = Math.min(Math.max(x[xo + i], lo), hi);
        }
    }

    public static void pow(float[] x, int xo, float p, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            out[oo + i] = pow(x[xo + i], p);
        }
    }

    public static void reluBackward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            out[oo + i] = x[xo + i] > 0f ? g[go + i] : 0f;
        }
    }

    public static void sigmoidBackward(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            float yv = y[yo + i];
            out[oo + i] = g[go + i] * yv * (1f - yv);
        }
    }

    public static void tanhBackward(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            float yv = y[yo + i];
            out[oo + i] = g[go + i] * (1f - yv * yv);
        }
    }

    public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] = Math.fma(x[xo + i], a, y[yo + i]);
        }
    }

    public static void scaleShift(float[] x, int xo, float scale, float shift, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            out[oo + i] = Math.fma(x[xo + i], scale, shift);
        }
    }

    public static float sum(float[] x, int off, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += x[off + i];
        }
        return s;
    }

    public static float dot(float[] x, int xo, float[] y, int yo, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s = Math.fma(x[xo + i], y[yo + i], s);
        }
        return s;
    }

    public static float max(float[] x, int off, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    public static void sumAxis(float[] x, int outer, int r, int inner, float[] out) {
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                float s = 0f;
                for (int k = 0; k < r; k++) {
                    s += x[(o * r + k) * inner + j];
                }
                out[o * inner + j] = s;
            }
        }
    }

    public static void softmaxRows(float[] x, float[] out, int rowFrom, int rowTo, int cols) {
        for (int row = rowFrom; row < rowTo; row++) {
            int off = row * cols;
            float m = max(x, off, cols);
            float s = 0f;
            for (int i = 0; i < cols; i++) {
                float e = FloatMath.exp(x[off + i] - m);
                out[off + i] = e;
                s += e;
            }
            float inv = 1f / s;
            for (int i = 0; i < cols; i++) {
                out[off + i] *= inv;
            }
        }
    }

    public static void logSoftmaxRows(float[] x, float[] out, int rowFrom, int rowTo, int cols) {
        for (int row = rowFrom; row < rowTo; row++) {
            int off = row * cols;
            float m = max(x, off, cols);
            float s = 0f;
            for (int i = 0; i < cols; i++) {
                s += FloatMath.exp(x[off + i] - m);
            }
            float shift = m + (float) Math.log(s);
            for (int i = 0; i < cols; i++) {
                out[off + i] = x[off + i] - shift;
            }
        }
    }

    public static void softmaxBackwardRows(float[] y, float[] g, float[] out, int rowFrom, int rowTo, int cols) {
        for (int row = rowFrom; row < rowTo; row++) {
            int off = row * cols;
            float d = dot(g, off, y, off, cols);
            for (int i = 0; i < cols; i++) {
                out[off + i] = (g[off + i] - d) * y[off + i];
            }
        }
    }

    public static void logSoftmaxBackwardRows(float[] y, float[] g, float[] out, int rowFrom, int rowTo, int cols) {
        for (int row = rowFrom; row < rowTo; row++) {
            int off = row * cols;
            float s = sum(g, off, cols);
            for (int i = 0; i < cols; i++) {
                out[off + i] = FloatMath.exp(y[off + i]) * -s + g[off + i];
            }
        }
    }
}

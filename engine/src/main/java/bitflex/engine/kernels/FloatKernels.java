package bitflex.engine.kernels;

import bitflex.engine.simd.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD float kernels over flat array ranges (single-threaded; callers split large work into fixed
 * chunks). {@link FloatKernelsScalar} is the twin with the same signatures and formulas.
 *
 * <p>Elementwise kernels are bit-identical to the twin: the same IEEE operations per element (exp,
 * sigmoid and tanh via {@link FloatMath}'s shared polynomial; log and pow call {@link Math} per element
 * in both). Reductions keep {@code LANES} partial sums per vector lane and add them in lane order at the
 * end (never {@code reduceLanes}, whose order is unspecified), so they are deterministic for a given
 * vector width and within the recursive-summation bound {@code (n - 1) * 2^-24 * sum|x|} of the exact
 * sum.
 */
public final class FloatKernels {
    private FloatKernels() {}

    private static final VectorSpecies<Float> S = Simd.FLOAT;
    private static final int L = S.length();

    /** Binary op codes. */
    public static final int ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4, MIN = 5;
    /** Unary op codes. */
    public static final int NEG = 0, EXP = 1, LOG = 2, SQRT = 3, RELU = 4, SIGMOID = 5, TANH = 6, ABS = 7;

    /** out[i] = a[i] op b[i] for i in [0, n). */
    public static void binary(int op, float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        int up = S.loopBound(n);
        // Each case has its own scalar tail: short rows (col2im, bias adds) spend much of their time there.
        switch (op) {
            case ADD -> {
                for (; i < up; i += L) va(a, ao + i).add(va(b, bo + i)).intoArray(out, oo + i);
                for (; i < n; i++) out[oo + i] = a[ao + i] + b[bo + i];
            }
            case SUB -> {
                for (; i < up; i += L) va(a, ao + i).sub(va(b, bo + i)).intoArray(out, oo + i);
                for (; i < n; i++) out[oo + i] = a[ao + i] - b[bo + i];
            }
            case MUL -> {
                for (; i < up; i += L) va(a, ao + i).mul(va(b, bo + i)).intoArray(out, oo + i);
                for (; i < n; i++) out[oo + i] = a[ao + i] * b[bo + i];
            }
            case DIV -> {
                for (; i < up; i += L) va(a, ao + i).div(va(b, bo + i)).intoArray(out, oo + i);
                for (; i < n; i++) out[oo + i] = a[ao + i] / b[bo + i];
            }
            case MAX -> {
                for (; i < up; i += L) va(a, ao + i).max(va(b, bo + i)).intoArray(out, oo + i);
                for (; i < n; i++) out[oo + i] = Math.max(a[ao + i], b[bo + i]);
            }
            case MIN -> {
                for (; i < up; i += L) va(a, ao + i).min(va(b, bo + i)).intoArray(out, oo + i);
                for (; i < n; i++) out[oo + i] = Math.min(a[ao + i], b[bo + i]);
            }
            default -> throw new IllegalArgumentException("binary: unknown op " + op);
        }
    }

    /** out[i] = a[i] op s, or s op a[i] when {@code scalarLeft}. */
    public static void binaryScalar(int op, float[] a, int ao, float s, boolean scalarLeft, float[] out, int oo, int n) {
        int i = 0;
        int up = S.loopBound(n);
        FloatVector sv = FloatVector.broadcast(S, s);
        if (op == ADD || op == MUL || op == MAX || op == MIN) {
            scalarLeft = false; // commutative (Math.max/min are symmetric in their NaN and zero handling too)
        }
        if (!scalarLeft) {
            switch (op) {
                case ADD -> {
                    for (; i < up; i += L) va(a, ao + i).add(sv).intoArray(out, oo + i);
                    for (; i < n; i++) out[oo + i] = a[ao + i] + s;
                }
                case SUB -> {
                    for (; i < up; i += L) va(a, ao + i).sub(sv).intoArray(out, oo + i);
                    for (; i < n; i++) out[oo + i] = a[ao + i] - s;
                }
                case MUL -> {
                    for (; i < up; i += L) va(a, ao + i).mul(sv).intoArray(out, oo + i);
                    for (; i < n; i++) out[oo + i] = a[ao + i] * s;
                }
                case DIV -> {
                    for (; i < up; i += L) va(a, ao + i).div(sv).intoArray(out, oo + i);
                    for (; i < n; i++) out[oo + i] = a[ao + i] / s;
                }
                case MAX -> {
                    for (; i < up; i += L) va(a, ao + i).max(sv).intoArray(out, oo + i);
                    for (; i < n; i++) out[oo + i] = Math.max(a[ao + i], s);
                }
                case MIN -> {
                    for (; i < up; i += L) va(a, ao + i).min(sv).intoArray(out, oo + i);
                    for (; i < n; i++) out[oo + i] = Math.min(a[ao + i], s);
                }
                default -> throw new IllegalArgumentException("binaryScalar: unknown op " + op);
            }
        } else {
            switch (op) {
                case SUB -> {
                    for (; i < up; i += L) sv.sub(va(a, ao + i)).intoArray(out, oo + i);
                    for (; i < n; i++) out[oo + i] = s - a[ao + i];
                }
                case DIV -> {
                    for (; i < up; i += L) sv.div(va(a, ao + i)).intoArray(out, oo + i);
                    for (; i < n; i++) out[oo + i] = s / a[ao + i];
                }
                default -> throw new IllegalArgumentException("binaryScalar: unknown op " + op);
            }
        }
    }

    /** out[i] = op(x[i]). */
    public static void unary(int op, float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        int up = S.loopBound(n);
        switch (op) {
            case NEG -> { for (; i < up; i += L) va(x, xo + i).neg().intoArray(out, oo + i); }
            case EXP -> { for (; i < up; i += L) FloatMath.exp(va(x, xo + i)).intoArray(out, oo + i); }
            case LOG -> { } // per element via Math.log in both twins: not on a training hot path
            case SQRT -> { for (; i < up; i += L) va(x, xo + i).lanewise(VectorOperators.SQRT).intoArray(out, oo + i); }
            case RELU -> { for (; i < up; i += L) va(x, xo + i).max(0f).intoArray(out, oo + i); }
            case SIGMOID -> { for (; i < up; i += L) FloatMath.sigmoid(va(x, xo + i)).intoArray(out, oo + i); }
            case TANH -> { for (; i < up; i += L) FloatMath.tanh(va(x, xo + i)).intoArray(out, oo + i); }
            case ABS -> { for (; i < up; i += L) va(x, xo + i).abs().intoArray(out, oo + i); }
            default -> throw new IllegalArgumentException("unary: unknown op " + op);
        }
        for (; i < n; i++) {
            out[oo + i] = FloatKernelsScalar.apply(op, x[xo + i]);
        }
    }

    /** out[i] = min(max(x[i], lo), hi). */
    public static void clamp(float[] x, int xo, float lo, float hi, float[] out, int oo, int n) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            va(x, xo + i).max(lo).min(hi).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            out[oo + i] = Math.min(Math.max(x[xo + i], lo), hi);
        }
    }

    /** out[i] = x[i]^p; p = 2, 1, 0.5, -1 use exact shortcuts, others {@link Math#pow} per element. */
    public static void pow(float[] x, int xo, float p, float[] out, int oo, int n) {
        int i = 0;
        int up = S.loopBound(n);
        if (p == 2f) {
            for (; i < up; i += L) { FloatVector v = va(x, xo + i); v.mul(v).intoArray(out, oo + i); }
        } else if (p == 1f) {
            for (; i < up; i += L) va(x, xo + i).intoArray(out, oo + i);
        } else if (p == 0.5f) {
            for (; i < up; i += L) va(x, xo + i).lanewise(VectorOperators.SQRT).intoArray(out, oo + i);
        } else if (p == -1f) {
            FloatVector one = FloatVector.broadcast(S, 1f);
            for (; i < up; i += L) one.div(va(x, xo + i)).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            out[oo + i] = FloatKernelsScalar.pow(x[xo + i], p);
        }
    }

    /** out[i] = x[i] > 0 ? g[i] : 0 (the ReLU derivative applied to an upstream gradient). */
    public static void reluBackward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n) {
        int i = 0;
        FloatVector zero = FloatVector.zero(S);
        for (int up = S.loopBound(n); i < up; i += L) {
            VectorMask<Float> pos = va(x, xo + i).compare(VectorOperators.GT, 0f);
            zero.blend(va(g, go + i), pos).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            out[oo + i] = x[xo + i] > 0f ? g[go + i] : 0f;
        }
    }

    /** out[i] = g[i] * y[i] * (1 - y[i]) where y = sigmoid(x). */
    public static void sigmoidBackward(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int up = S.loopBound(n); i < up; i += L) {
            FloatVector yv = va(y, yo + i);
            va(g, go + i).mul(yv).mul(one.sub(yv)).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            float yv = y[yo + i];
            out[oo + i] = g[go + i] * yv * (1f - yv);
        }
    }

    /** out[i] = g[i] * (1 - y[i]^2) where y = tanh(x). */
    public static void tanhBackward(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int up = S.loopBound(n); i < up; i += L) {
            FloatVector yv = va(y, yo + i);
            va(g, go + i).mul(one.sub(yv.mul(yv))).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            float yv = y[yo + i];
            out[oo + i] = g[go + i] * (1f - yv * yv);
        }
    }

    /** y[i] = a * x[i] + y[i] with a fused multiply-add per element. */
    public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        FloatVector av = FloatVector.broadcast(S, a);
        for (int up = S.loopBound(n); i < up; i += L) {
            va(x, xo + i).fma(av, va(y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = Math.fma(x[xo + i], a, y[yo + i]);
        }
    }

    /** out[i] = x[i] * scale + shift, fused (the batch-norm and bias apply step). */
    public static void scaleShift(float[] x, int xo, float scale, float shift, float[] out, int oo, int n) {
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            va(x, xo + i).fma(scale, shift).intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            out[oo + i] = Math.fma(x[xo + i], scale, shift);
        }
    }

    /** Sum of x[off .. off+n). */
    public static float sum(float[] x, int off, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            acc = va(x, off + i).add(acc); // receiver first: see max
        }
        float s = lanesInOrder(acc);
        for (; i < n; i++) {
            s += x[off + i];
        }
        return s;
    }

    /**
     * out[q] = x[q*len .. (q+1)*len) summed, for q in [from, to): each {@link #sum} exactly, bit for bit.
     * Faster over many short runs (a convolution's bias gradient over dY's planes): the accumulator's
     * lanes go through a per-thread array, whose loads the CPU overlaps with the next run's adds,
     * where reading them off the register took 2.8x as long (8.3 against 3.0 ns for 16 lanes on an
     * AVX-512 machine, and C2 sometimes compiled {@code lane(j)} to a copy of the whole vector).
     */
    public static void sums(float[] x, int from, int to, int len, float[] out) {
        float[] lanes = LANE_SCRATCH.get();
        for (int q = from; q < to; q++) {
            int off = q * len;
            FloatVector acc = FloatVector.zero(S);
            int i = 0;
            for (int up = S.loopBound(len); i < up; i += L) {
                acc = va(x, off + i).add(acc); // receiver first: see max
            }
            acc.intoArray(lanes, 0);
            float s = 0f;
            for (int j = 0; j < L; j++) {
                s += lanes[j];
            }
            for (; i < len; i++) {
                s += x[off + i];
            }
            out[q] = s;
        }
    }

    private static final ThreadLocal<float[]> LANE_SCRATCH = ThreadLocal.withInitial(() -> new float[L]);

    /** Sum of x[i] * y[i]. */
    public static float dot(float[] x, int xo, float[] y, int yo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            acc = va(x, xo + i).fma(va(y, yo + i), acc);
        }
        float s = lanesInOrder(acc);
        for (; i < n; i++) {
            s = Math.fma(x[xo + i], y[yo + i], s);
        }
        return s;
    }

    /** Max of x[off .. off+n), n >= 1 (NaN propagates). */
    public static float max(float[] x, int off, int n) {
        float m = Float.NEGATIVE_INFINITY;
        int i = 0;
        int up = S.loopBound(n);
        if (up > 0) {
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i < up; i += L) {
                // The fresh vector is the receiver: with the loop's accumulator there, C2 could not
                // tell its class (a loop phi), left lanewise a virtual call and ran the Java
                // fallback, boxing every vector (PrintInlining: "virtual call"). Same value:
                // max and add are commutative.
                acc = va(x, off + i).max(acc);
            }
            m = acc.reduceLanes(VectorOperators.MAX); // max is exact in any order
        }
        for (; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    /**
     * Sums the middle axis of x viewed as [outer, r, inner] into out [outer, inner]: out[o, j] =
     * sum over k of x[o, k, j], accumulating k in increasing order (so inner > 1 is exact against
     * the twin).
     */
    public static void sumAxis(float[] x, int outer, int r, int inner, float[] out) {
        if (inner == 1) {
            for (int o = 0; o < outer; o++) {
                out[o] = sum(x, o * r, r);
            }
            return;
        }
        for (int o = 0; o < outer; o++) {
            int dst = o * inner;
            java.util.Arrays.fill(out, dst, dst + inner, 0f);
            for (int k = 0; k < r; k++) {
                binary(ADD, out, dst, x, (o * r + k) * inner, out, dst, inner);
            }
        }
    }

    /** Row-wise softmax of x [rows, cols] (cols >= 1) into out: exp(x - max) / sum. */
    public static void softmaxRows(float[] x, float[] out, int rowFrom, int rowTo, int cols) {
        if (cols < 2 * L) {
            shortSoftmaxRows(x, out, rowFrom, rowTo, cols, false);
        } else {
            vectorSoftmaxRows(x, out, rowFrom, rowTo, cols);
        }
    }

    /** {@link #softmaxRows} in vectors, whatever the row length (package-private for tests). */
    static void vectorSoftmaxRows(float[] x, float[] out, int rowFrom, int rowTo, int cols) {
        for (int row = rowFrom; row < rowTo; row++) {
            int off = row * cols;
            float m = max(x, off, cols);
            float s = expShiftSum(x, off, m, out, cols);
            binaryScalar(MUL, out, off, 1f / s, false, out, off, cols);
        }
    }

    /** Row-wise log-softmax: x - max - log(sum exp(x - max)). */
    public static void logSoftmaxRows(float[] x, float[] out, int rowFrom, int rowTo, int cols) {
        if (cols < 2 * L) {
            shortSoftmaxRows(x, out, rowFrom, rowTo, cols, true);
        } else {
            vectorLogSoftmaxRows(x, out, rowFrom, rowTo, cols);
        }
    }

    /** {@link #logSoftmaxRows} in vectors, whatever the row length (package-private for tests). */
    static void vectorLogSoftmaxRows(float[] x, float[] out, int rowFrom, int rowTo, int cols) {
        for (int row = rowFrom; row < rowTo; row++) {
            int off = row * cols;
            float m = max(x, off, cols);
            float s = expShiftSum(x, off, m, out, cols);
            float shift = m + (float) Math.log(s);
            binaryScalar(SUB, x, off, shift, false, out, off, cols);
        }
    }

    /**
     * Softmax or log-softmax of rows shorter than two vectors (a classifier's 10 classes), in scalar
     * code with the same bits as the vector path: with at most one whole vector, its lane sums are
     * the terms themselves and {@link #lanesInOrder} adds them in order from 0, so the row's sum is
     * the plain sum in index order, and {@link FloatMath#exp(float)} is the vector exp's scalar twin.
     * Why: the vector path's C2 compiles (expShiftSum with exp inlined, exp on its own) took 250 ms of
     * a one-epoch MLP run's C2 time on Zen 3, for 640 exps a step; this path's took 82 ms. Warm, a
     * 64 x 10 softmax takes 8.1-8.6 us here against 6.1-6.8 us in vectors (C1 alone: 19-23 us, which
     * is why it is not kept out of C2 as well).
     */
    static void shortSoftmaxRows(float[] x, float[] out, int rowFrom, int rowTo, int cols, boolean log) {
        for (int row = rowFrom; row < rowTo; row++) {
            shortSoftmaxRow(x, out, row * cols, cols, log);
        }
    }

    /**
     * One row of {@link #shortSoftmaxRows}, a method of its own: with the loop over rows inside, C2
     * compiled the whole loop nest three times (two OSR, 104 ms); the row's method took 36-82 ms in
     * two or three compiles (still one or two OSR: their loops are short, but the C2 queue is long).
     */
    private static void shortSoftmaxRow(float[] x, float[] out, int off, int cols, boolean log) {
        float m = x[off];
        for (int i = 1; i < cols; i++) {
            m = Math.max(m, x[off + i]);
        }
        float s = 0f;
        for (int i = 0; i < cols; i++) {
            float e = FloatMath.exp(x[off + i] - m);
            if (!log) {
                out[off + i] = e;
            }
            s += e;
        }
        if (log) {
            float shift = m + (float) Math.log(s);
            for (int i = 0; i < cols; i++) {
                out[off + i] = x[off + i] - shift;
            }
        } else {
            float inv = 1f / s;
            for (int i = 0; i < cols; i++) {
                out[off + i] *= inv;
            }
        }
    }

    /** out[off..] = exp(x - m); returns their sum. */
    private static float expShiftSum(float[] x, int off, float m, float[] out, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += L) {
            FloatVector e = FloatMath.exp(va(x, off + i).sub(m));
            e.intoArray(out, off + i);
            acc = e.add(acc); // receiver first: see max
        }
        float s = lanesInOrder(acc);
        for (; i < n; i++) {
            float e = FloatMath.exp(x[off + i] - m);
            out[off + i] = e;
            s += e;
        }
        return s;
    }

    /** Softmax backward per row: dx = y * (g - sum(g * y)). */
    public static void softmaxBackwardRows(float[] y, float[] g, float[] out, int rowFrom, int rowTo, int cols) {
        for (int row = rowFrom; row < rowTo; row++) {
            int off = row * cols;
            float d = dot(g, off, y, off, cols);
            binaryScalar(SUB, g, off, d, false, out, off, cols);
            binary(MUL, out, off, y, off, out, off, cols);
        }
    }

    /** Log-softmax backward per row: dx = g - exp(y) * sum(g). */
    public static void logSoftmaxBackwardRows(float[] y, float[] g, float[] out, int rowFrom, int rowTo, int cols) {
        for (int row = rowFrom; row < rowTo; row++) {
            int off = row * cols;
            float s = sum(g, off, cols);
            int i = 0;
            for (int up = S.loopBound(cols); i < up; i += L) {
                FloatVector e = FloatMath.exp(va(y, off + i));
                e.mul(-s).add(va(g, off + i)).intoArray(out, off + i);
            }
            for (; i < cols; i++) {
                out[off + i] = FloatMath.exp(y[off + i]) * -s + g[off + i];
            }
        }
    }

    /**
     * The lanes added in order 0..L-1, from 0 (so a -0 sum is +0, as in the scalar twin). Written out
     * with constant lane numbers: in a loop C2 kept {@code lane(j)}'s switch and a variable extract,
     * which took 4.6% of a warm LeNet-5 step (the bias gradient's plane sums) on an AVX-512 machine.
     * The branches on L fold away, L being a constant.
     */
    private static float lanesInOrder(FloatVector acc) {
        float s = 0f;
        s += acc.lane(0);
        s += acc.lane(1);
        if (L > 2) {
            s += acc.lane(2);
            s += acc.lane(3);
        }
        if (L > 4) {
            s += acc.lane(4);
            s += acc.lane(5);
            s += acc.lane(6);
            s += acc.lane(7);
        }
        if (L > 8) {
            s += acc.lane(8);
            s += acc.lane(9);
            s += acc.lane(10);
            s += acc.lane(11);
            s += acc.lane(12);
            s += acc.lane(13);
            s += acc.lane(14);
            s += acc.lane(15);
        }
        for (int j = 16; j < L; j++) { // vectors wider than 512 bits (SVE)
            s += acc.lane(j);
        }
        return s;
    }

    private static FloatVector va(float[] a, int off) {
        return FloatVector.fromArray(S, a, off);
    }
}

package bitflex.engine.tensor;

import bitflex.engine.kernels.FloatKernels;
import bitflex.engine.parallel.Parallel;
import java.util.Arrays;

/** Forward reductions and softmax over dense data. */
final class Reductions {
    private Reductions() {}

    /** Elements per chunk for the parallel split of a full sum (fixed: the split never depends on threads). */
    static final int SUM_CHUNK = 1 << 18;

    static int[] normAxes(String op, int[] dims, int rank) {
        boolean[] seen = new boolean[rank];
        int count = 0;
        for (int dim : dims) {
            int d = Shapes.dim(op, dim, rank);
            if (seen[d]) {
                throw new IllegalArgumentException(op + ": dimension " + dim + " repeated in " + Arrays.toString(dims));
            }
            seen[d] = true;
            count++;
        }
        int[] out = new int[count];
        for (int i = 0, j = 0; i < rank; i++) {
            if (seen[i]) {
                out[j++] = i;
            }
        }
        return out;
    }

    static int[] keepAxes(int[] shape, int[] axes) {
        int[] s = shape.clone();
        for (int a : axes) {
            s[a] = 1;
        }
        return s;
    }

    static int[] dropAxes(int[] shape, int[] axes) {
        int[] s = new int[shape.length - axes.length];
        for (int i = 0, j = 0, k = 0; i < shape.length; i++) {
            if (k < axes.length && axes[k] == i) {
                k++;
            } else {
                s[j++] = shape[i];
            }
        }
        return s;
    }

    static Tensor sum(Tensor x, int[] axes, boolean keepdim) {
        int[] outShape = keepdim ? keepAxes(x.shape, axes) : dropAxes(x.shape, axes);
        Tensor out = Tensor.empty(outShape);
        sumInto(x.denseData(), x.shape, axes, out.data);
        return out;
    }

    /** Sums dense {@code src} of {@code shape} over sorted {@code axes} into {@code dst} (row-major, kept dims). */
    static void sumInto(float[] src, int[] shape, int[] axes, float[] dst) {
        int n = Shapes.numel(shape);
        if (axes.length == 0) {
            System.arraycopy(src, 0, dst, 0, n);
            return;
        }
        if (axes.length == shape.length) {
            dst[0] = sumAll(src, n);
            return;
        }
        // Reduce runs of adjacent axes, last run first; each pass is [outer, r, inner] -> [outer, inner].
        int[] cur = shape.clone();
        float[] in = src;
        int k = axes.length - 1;
        while (k >= 0) {
            int hi = axes[k];
            int lo = hi;
            while (k > 0 && axes[k - 1] == lo - 1) {
                lo--;
                k--;
            }
            k--;
            int outer = 1;
            int r = 1;
            int inner = 1;
            for (int i = 0; i < cur.length; i++) {
                if (i < lo) {
                    outer *= cur[i];
                } else if (i <= hi) {
                    r *= cur[i];
                } else {
                    inner *= cur[i];
                }
            }
            for (int i = lo; i <= hi; i++) {
                cur[i] = 1;
            }
            float[] out = k < 0 ? dst : Workspace.borrowFloats(outer * inner);
            sumAxisParallel(in, outer, r, inner, out);
            in = out;
        }
    }

    private static void sumAxisParallel(float[] in, int outer, int r, int inner, float[] out) {
        if (outer * inner == 0) {
            return;
        }
        if (r == 0) {
            Arrays.fill(out, 0, outer * inner, 0f);
            return;
        }
        int grainOuter = Math.max(1, Tensor.GRAIN / Math.max(1, r * inner));
        if (outer == 1 && inner > 1) {
            // Column sums: split the columns (each task owns a column range, rows in order).
            int grainInner = Math.max(64, Tensor.GRAIN / Math.max(1, r));
            Parallel.forRange(inner, grainInner, (f, t) -> {
                Arrays.fill(out, f, t, 0f);
                for (int k = 0; k < r; k++) {
                    FloatKernels.binary(FloatKernels.ADD, out, f, in, k * inner + f, out, f, t - f);
                }
            });
            return;
        }
        Parallel.forRange(outer, grainOuter, (f, t) -> {
            for (int o = f; o < t; o++) {
                if (inner == 1) {
                    out[o] = FloatKernels.sum(in, o * r, r);
                } else {
                    int dst = o * inner;
                    Arrays.fill(out, dst, dst + inner, 0f);
                    for (int k = 0; k < r; k++) {
                        FloatKernels.binary(FloatKernels.ADD, out, dst, in, (o * r + k) * inner, out, dst, inner);
                    }
                }
            }
        });
    }

    /** Full sum in fixed chunks whose partial sums are added in chunk order. */
    static float sumAll(float[] src, int n) {
        if (n <= SUM_CHUNK) {
            return FloatKernels.sum(src, 0, n);
        }
        int chunks = (n + SUM_CHUNK - 1) / SUM_CHUNK;
        float[] partial = new float[chunks];
        Parallel.forEach(chunks, c -> {
            int f = c * SUM_CHUNK;
            partial[c] = FloatKernels.sum(src, f, Math.min(n, f + SUM_CHUNK) - f);
        });
        float s = 0f;
        for (float p : partial) {
            s += p;
        }
        return s;
    }

    /** Max along dim d; writes the first arg-max per output into {@code arg}. */
    static Tensor maxDim(Tensor x, int d, boolean keepdim, int[] arg) {
        int[] axes = {d};
        int[] outShape = keepdim ? keepAxes(x.shape, axes) : dropAxes(x.shape, axes);
        Tensor out = Tensor.empty(outShape);
        float[] src = x.denseData();
        int outer = 1;
        int inner = 1;
        for (int i = 0; i < d; i++) {
            outer *= x.shape[i];
        }
        for (int i = d + 1; i < x.shape.length; i++) {
            inner *= x.shape[i];
        }
        int r = x.shape[d];
        float[] dst = out.data;
        final int in = inner;
        Parallel.forRange(outer, Math.max(1, Tensor.GRAIN / Math.max(1, r * inner)), (f, t) -> {
            for (int o = f; o < t; o++) {
                for (int j = 0; j < in; j++) {
                    int base = o * r * in + j;
                    float m = src[base];
                    int best = 0;
                    for (int k = 1; k < r; k++) {
                        float v = src[base + k * in];
                        // NaN wins (and propagates), otherwise the first strict maximum.
                        if (v > m || (v != v && m == m)) {
                            m = v;
                            best = k;
                        }
                    }
                    dst[o * in + j] = m;
                    arg[o * in + j] = best;
                }
            }
        });
        return out;
    }

    /** Softmax or log-softmax along the last dim. */
    static Tensor softmaxLast(Tensor x, boolean log) {
        float[] src = x.denseData();
        Tensor out = Tensor.empty(x.shape);
        int cols = x.shape.length == 0 ? 1 : x.shape[x.shape.length - 1];
        if (x.numel == 0) {
            return out;
        }
        int rows = x.numel / cols;
        float[] dst = out.data;
        Parallel.forRange(rows, Math.max(1, Tensor.GRAIN_HEAVY / cols), (f, t) -> {
            if (log) {
                FloatKernels.logSoftmaxRows(src, dst, f, t, cols);
            } else {
                FloatKernels.softmaxRows(src, dst, f, t, cols);
            }
        });
        return out;
    }
}

package bitflex.engine.tensor;

import bitflex.engine.kernels.FloatKernels;
import bitflex.engine.kernels.FloatKernelsScalar;
import bitflex.engine.parallel.Parallel;
import java.util.Arrays;

/**
 * Forward elementwise ops over dense operands. Broadcasting is done by splitting the output into
 * blocks over its trailing dimensions in which each operand is either fully present (a contiguous run)
 * or constant (broadcast), so every block is one call of a SIMD kernel: same-shape, scalar-left or
 * scalar-right. This one scheme covers the fast paths (same shape, scalar, row bias [N, C] + [C],
 * column [N, C] * [N, 1], channel bias [N, C, H, W] + [C, 1, 1]) and every other NumPy broadcast.
 */
final class Elementwise {
    private Elementwise() {}

    static Tensor binary(int op, String name, Tensor a, Tensor b) {
        a.checkAlive();
        b.checkAlive();
        int[] os = Shapes.broadcast(name, a.shape, b.shape);
        Tensor out = Tensor.empty(os);
        broadcastInto(op, a.denseData(), a.shape, b.denseData(), b.shape, out.data, os);
        return out;
    }

    /** out = a op b with NumPy broadcasting; a, b, out dense row-major. */
    static void broadcastInto(int op, float[] a, int[] as, float[] b, int[] bs, float[] out, int[] os) {
        int n = Shapes.numel(os);
        if (n == 0) {
            return;
        }
        int nd = os.length;
        int[] sa = Shapes.broadcastStrides(as, os);
        int[] sb = Shapes.broadcastStrides(bs, os);
        // Trailing block: dims (d, nd) where each operand keeps one kind (full or constant).
        int d = nd - 1;
        int kindA = -1;
        int kindB = -1;
        while (d >= 0) {
            if (os[d] == 1) {
                d--;
                continue;
            }
            int ka = sa[d] == 0 ? 0 : 1;
            int kb = sb[d] == 0 ? 0 : 1;
            if (kindA < 0) {
                kindA = ka;
                kindB = kb;
            } else if (ka != kindA || kb != kindB) {
                break;
            }
            d--;
        }
        if (kindA < 0) {
            kindA = 1;
            kindB = 1;
        }
        int inner = 1;
        for (int i = d + 1; i < nd; i++) {
            inner *= os[i];
        }
        int outer = n / inner;
        final int fa = kindA;
        final int fb = kindB;
        final int blk = inner;
        if (outer == 1) {
            Parallel.forRange(inner, Tensor.GRAIN, (f, t) ->
                    block(op, fa, fb, a, fa == 1 ? f : 0, b, fb == 1 ? f : 0, out, f, t - f));
            return;
        }
        final int lastOuterDim = d;
        Parallel.forRange(outer, Math.max(1, Tensor.GRAIN / inner), (from, to) -> {
            int[] idx = new int[lastOuterDim + 1];
            int rem = from;
            int ao = 0;
            int bo = 0;
            for (int k = lastOuterDim; k >= 0; k--) {
                idx[k] = rem % os[k];
                rem /= os[k];
                ao += idx[k] * sa[k];
                bo += idx[k] * sb[k];
            }
            for (int o = from; o < to; o++) {
                block(op, fa, fb, a, ao, b, bo, out, o * blk, blk);
                for (int k = lastOuterDim; k >= 0; k--) {
                    if (++idx[k] < os[k]) {
                        ao += sa[k];
                        bo += sb[k];
                        break;
                    }
                    ao -= (os[k] - 1) * sa[k];
                    bo -= (os[k] - 1) * sb[k];
                    idx[k] = 0;
                }
            }
        });
    }

    private static void block(int op, int ka, int kb, float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        if (ka == 1 && kb == 1) {
            FloatKernels.binary(op, a, ao, b, bo, out, oo, n);
        } else if (ka == 1) {
            FloatKernels.binaryScalar(op, a, ao, b[bo], false, out, oo, n);
        } else if (kb == 1) {
            FloatKernels.binaryScalar(op, b, bo, a[ao], true, out, oo, n);
        } else {
            Arrays.fill(out, oo, oo + n, FloatKernelsScalar.apply(op, a[ao], b[bo]));
        }
    }

    static Tensor scalar(int op, Tensor x, float s) {
        float[] src = x.denseData();
        Tensor out = Tensor.empty(x.shape);
        float[] dst = out.data;
        Parallel.forRange(x.numel, Tensor.GRAIN, (f, t) -> FloatKernels.binaryScalar(op, src, f, s, false, dst, f, t - f));
        return out;
    }

    static Tensor unary(int op, Tensor x) {
        float[] src = x.denseData();
        Tensor out = Tensor.empty(x.shape);
        float[] dst = out.data;
        int grain = op == FloatKernels.NEG || op == FloatKernels.RELU || op == FloatKernels.ABS ? Tensor.GRAIN : Tensor.GRAIN_HEAVY;
        Parallel.forRange(x.numel, grain, (f, t) -> FloatKernels.unary(op, src, f, dst, f, t - f));
        return out;
    }

    static Tensor clamp(Tensor x, float lo, float hi) {
        float[] src = x.denseData();
        Tensor out = Tensor.empty(x.shape);
        float[] dst = out.data;
        Parallel.forRange(x.numel, Tensor.GRAIN, (f, t) -> FloatKernels.clamp(src, f, lo, hi, dst, f, t - f));
        return out;
    }

    static Tensor pow(Tensor x, float p) {
        float[] src = x.denseData();
        Tensor out = Tensor.empty(x.shape);
        float[] dst = out.data;
        Parallel.forRange(x.numel, Tensor.GRAIN_HEAVY, (f, t) -> FloatKernels.pow(src, f, p, dst, f, t - f));
        return out;
    }
}

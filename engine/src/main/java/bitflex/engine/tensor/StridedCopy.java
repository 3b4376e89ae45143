package bitflex.engine.tensor;

import java.util.Arrays;

/** Gathers a strided view into a dense row-major array. */
final class StridedCopy {
    private StridedCopy() {}

    static void copy(float[] src, int offset, int[] shape, int[] strides, float[] dst) {
        int nd = shape.length;
        int n = Shapes.numel(shape);
        if (n == 0) {
            return;
        }
        if (nd == 0) {
            dst[0] = src[offset];
            return;
        }
        int inner = shape[nd - 1];
        int innerStride = strides[nd - 1];
        int outer = n / inner;
        int[] idx = new int[nd - 1];
        int base = offset;
        for (int o = 0; o < outer; o++) {
            int d0 = o * inner;
            if (innerStride == 1) {
                System.arraycopy(src, base, dst, d0, inner);
            } else if (innerStride == 0) {
                Arrays.fill(dst, d0, d0 + inner, src[base]);
            } else {
                for (int j = 0, p = base; j < inner; j++, p += innerStride) {
                    dst[d0 + j] = src[p];
                }
            }
            for (int d = nd - 2; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    base += strides[d];
                    break;
                }
                base -= (shape[d] - 1) * strides[d];
                idx[d] = 0;
            }
        }
    }

    /** Writes dense row-major {@code src} into the strided view (dst, offset, shape, strides). */
    static void scatter(float[] src, float[] dst, int offset, int[] shape, int[] strides) {
        int nd = shape.length;
        int n = Shapes.numel(shape);
        if (n == 0) {
            return;
        }
        if (nd == 0) {
            dst[offset] = src[0];
            return;
        }
        int inner = shape[nd - 1];
        int innerStride = strides[nd - 1];
        int outer = n / inner;
        int[] idx = new int[nd - 1];
        int base = offset;
        for (int o = 0; o < outer; o++) {
            int s0 = o * inner;
            if (innerStride == 1) {
                System.arraycopy(src, s0, dst, base, inner);
            } else {
                for (int j = 0, p = base; j < inner; j++, p += innerStride) {
                    dst[p] = src[s0 + j];
                }
            }
            for (int d = nd - 2; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    base += strides[d];
                    break;
                }
                base -= (shape[d] - 1) * strides[d];
                idx[d] = 0;
            }
        }
    }
}

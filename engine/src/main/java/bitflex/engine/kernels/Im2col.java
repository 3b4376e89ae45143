package bitflex.engine.kernels;

import bitflex.engine.simd.Simd;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * im2col / col2im for one sample: the column matrix is [C*KH*KW, OH*OW] with row stride {@code ld}
 * (>= OH*OW, so several samples can sit side by side in one wider matrix), row
 * {@code (c*KH + i)*KW + j} holding input pixel (c, oh*sh - ph + i, ow*sw - pw + j) for every output
 * position (zero where that falls in the padding). With stride 1 each output row is one contiguous
 * input run, copied with {@code System.arraycopy} (im2col) or added by a loop the JIT vectorises
 * (col2im); im2col rows of half a vector to one vector (LeNet's 10 at 512 bits) are stored as whole
 * vectors whose tails the next row overwrites, which beats one copy call per 10 floats.
 * Twin: {@link Im2colScalar}; both are bit-exact (col2im adds into each input pixel in the same order).
 */
public final class Im2col {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final int VL = F.length();

    private Im2col() {}

    public static void im2col(float[] x, int xOff, ConvGeometry g, float[] col, int colOff, int ld) {
        int kh = g.kh(), kw = g.kw(), sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        int row = colOff;
        for (int c = 0; c < g.c(); c++) {
            int plane = xOff + c * h * w;
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    // valid ow range: 0 <= ow*sw - pw + j < w
                    int owLo = Math.max(0, ceilDiv(pw - j, sw));
                    int owHi = Math.min(ow, ceilDiv(w + pw - j, sw));
                    int y = 0;
                    if (sw == 1 && owLo == 0 && owHi == ow && ow <= VL && 2 * ow >= VL) {
                        // A row of at most one vector: store a whole vector and let its tail land on
                        // the next output row, which the next iteration overwrites; the last row
                        // (whose tail would leave this sample) goes by the copy below.
                        int last = oh - 1;
                        for (; y < last; y++) {
                            int ih = y * sh - ph + i;
                            int src = plane + ih * w - pw + j;
                            if (ih < 0 || ih >= h || src + VL > x.length) {
                                break;
                            }
                            FloatVector.fromArray(F, x, src).intoArray(col, row + y * ow);
                        }
                    }
                    for (; y < oh; y++) {
                        int dst = row + y * ow;
                        int ih = y * sh - ph + i;
                        if (ih < 0 || ih >= h || owLo >= owHi) {
                            Arrays.fill(col, dst, dst + ow, 0f);
                            continue;
                        }
                        if (owLo > 0) {
                            Arrays.fill(col, dst, dst + owLo, 0f);
                        }
                        if (owHi < ow) {
                            Arrays.fill(col, dst + owHi, dst + ow, 0f);
                        }
                        int src = plane + ih * w - pw + j;
                        if (sw == 1) {
                            System.arraycopy(x, src + owLo, col, dst + owLo, owHi - owLo);
                        } else {
                            for (int q = owLo; q < owHi; q++) {
                                col[dst + q] = x[src + q * sw];
                            }
                        }
                    }
                    row += ld;
                }
            }
        }
    }

    /** dx (one sample, C x H x W at dxOff) is overwritten with the col2im sum of {@code col}. */
    public static void col2im(float[] col, int colOff, int ld, ConvGeometry g, float[] dx, int dxOff) {
        int kh = g.kh(), kw = g.kw(), sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        Arrays.fill(dx, dxOff, dxOff + g.c() * h * w, 0f);
        int row = colOff;
        for (int c = 0; c < g.c(); c++) {
            int plane = dxOff + c * h * w;
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    int owLo = Math.max(0, ceilDiv(pw - j, sw));
                    int owHi = Math.min(ow, ceilDiv(w + pw - j, sw));
                    for (int y = 0; y < oh; y++) {
                        int ih = y * sh - ph + i;
                        if (ih < 0 || ih >= h || owLo >= owHi) {
                            continue;
                        }
                        int src = row + y * ow;
                        int dst = plane + ih * w - pw + j;
                        if (sw == 1) {
                            // Rows are short (often 8 to 24): a plain loop the JIT vectorises beats a kernel call.
                            for (int q = owLo; q < owHi; q++) {
                                dx[dst + q] += col[src + q];
                            }
                        } else {
                            for (int q = owLo; q < owHi; q++) {
                                dx[dst + q * sw] += col[src + q];
                            }
                        }
                    }
                    row += ld;
                }
            }
        }
    }

    static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }
}

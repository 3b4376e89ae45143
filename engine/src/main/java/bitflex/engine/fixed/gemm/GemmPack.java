package bitflex.engine.fixed.gemm;

import bitflex.engine.parallel.Parallel;

/**
 * Packs integer operands into the panel layout of {@link GemmKernels}, widened to the carrier
 * type (float for int8, int for int16). For each reduction block {@code [k0, k0+kc)} of
 * {@link GemmKernels#KC}: A is stored as {@code MR}-row panels, {@code kc x MR} each, at
 * {@code k0 * mPad + panel * MR * kc}; B as {@code NR}-column panels, {@code kc x NR} each, at
 * {@code k0 * nPad + panel * NR * kc}. Rows and columns past the matrix edge are zero.
 */
final class GemmPack {
    private GemmPack() {}

    static int pad(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    static float[] packA(boolean trans, byte[] a, int off, int ld, int m, int k) {
        final int mr = GemmKernels.MR;
        final int mPad = pad(m, mr);
        float[] ap = new float[mPad * k];
        Parallel.forEach(mPad / mr, ip -> {
            for (int k0 = 0; k0 < k; k0 += GemmKernels.KC) {
                int kc = Math.min(GemmKernels.KC, k - k0);
                int base = k0 * mPad + ip * mr * kc;
                for (int r = 0; r < mr; r++) {
                    int i = ip * mr + r;
                    if (i >= m) {
                        continue;
                    }
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * mr + r] = trans ? a[off + (k0 + p) * ld + i] : a[off + i * ld + k0 + p];
                    }
                }
            }
        });
        return ap;
    }

    static float[] packB(boolean trans, byte[] b, int off, int ld, int k, int n) {
        final int nr = GemmKernels.NR;
        final int nPad = pad(n, nr);
        float[] bp = new float[nPad * k];
        Parallel.forEach(nPad / nr, jp -> {
            for (int k0 = 0; k0 < k; k0 += GemmKernels.KC) {
                int kc = Math.min(GemmKernels.KC, k - k0);
                int base = k0 * nPad + jp * nr * kc;
                int cols = Math.min(nr, n - jp * nr);
                for (int p = 0; p < kc; p++) {
                    int row = base + p * nr;
                    for (int col = 0; col < cols; col++) {
                        int j = jp * nr + col;
                        bp[row + col] = trans ? b[off + j * ld + k0 + p] : b[off + (k0 + p) * ld + j];
                    }
                }
            }
        });
        return bp;
    }

    static int[] packA(boolean trans, short[] a, int off, int ld, int m, int k) {
        final int mr = GemmKernels.MR;
        final int mPad = pad(m, mr);
        int[] ap = new int[mPad * k];
        Parallel.forEach(mPad / mr, ip -> {
            for (int k0 = 0; k0 < k; k0 += GemmKernels.KC) {
                int kc = Math.min(GemmKernels.KC, k - k0);
                int base = k0 * mPad + ip * mr * kc;
                for (int r = 0; r < mr; r++) {
                    int i = ip * mr + r;
                    if (i >= m) {
                        continue;
                    }
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * mr + r] = trans ? a[off + (k0 + p) * ld + i] : a[off + i * ld + k0 + p];
                    }
                }
            }
        });
        return ap;
    }

    static int[] packB(boolean trans, short[] b, int off, int ld, int k, int n) {
        final int nr = GemmKernels.NR;
        final int nPad = pad(n, nr);
        int[] bp = new int[nPad * k];
        Parallel.forEach(nPad / nr, jp -> {
            for (int k0 = 0; k0 < k; k0 += GemmKernels.KC) {
                int kc = Math.min(GemmKernels.KC, k - k0);
                int base = k0 * nPad + jp * nr * kc;
                int cols = Math.min(nr, n - jp * nr);
                for (int p = 0; p < kc; p++) {
                    int row = base + p * nr;
                    for (int col = 0; col < cols; col++) {
                        int j = jp * nr + col;
                        bp[row + col] = trans ? b[off + j * ld + k0 + p] : b[off + (k0 + p) * ld + j];
                    }
                }
            }
        });
        return bp;
    }
}

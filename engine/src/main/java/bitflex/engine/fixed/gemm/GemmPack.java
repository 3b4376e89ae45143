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
        final int mPad = pad(m, GemmKernels.MR);
        float[] ap = new float[mPad * k];
        Parallel.forEach(mPad / GemmKernels.MR, ip -> packAPanel(trans, a, off, ld, m, k, ap, mPad, ip));
        return ap;
    }

    /** Packs A and B in one parallel region (fewer fork/joins for small products). */
    static void packBoth(boolean transA, byte[] a, int aOff, int lda, int m, boolean transB, byte[] b, int bOff, int ldb,
                         int n, int k, float[] ap, float[] bp) {
        final int mPad = pad(m, GemmKernels.MR);
        final int nPad = pad(n, GemmKernels.NR);
        final int aPanels = mPad / GemmKernels.MR;
        Parallel.forEach(aPanels + nPad / GemmKernels.NR, t -> {
            if (t < aPanels) {
                packAPanel(transA, a, aOff, lda, m, k, ap, mPad, t);
            } else {
                packBPanel(transB, b, bOff, ldb, k, n, bp, nPad, t - aPanels);
            }
        });
    }

    static void packBoth(boolean transA, short[] a, int aOff, int lda, int m, boolean transB, short[] b, int bOff, int ldb,
                         int n, int k, int[] ap, int[] bp) {
        final int mPad = pad(m, GemmKernels.MR);
        final int nPad = pad(n, GemmKernels.NR);
        final int aPanels = mPad / GemmKernels.MR;
        Parallel.forEach(aPanels + nPad / GemmKernels.NR, t -> {
            if (t < aPanels) {
                packAPanel(transA, a, aOff, lda, m, k, ap, mPad, t);
            } else {
                packBPanel(transB, b, bOff, ldb, k, n, bp, nPad, t - aPanels);
            }
        });
    }

    /** Packs one MR-row panel of A (all reduction blocks); rows past m stay as they are (zero). */
    static void packAPanel(boolean trans, byte[] a, int off, int ld, int m, int k, float[] ap, int mPad, int ip) {
        final int mr = GemmKernels.MR;
        {
            for (int k0 = 0; k0 < k; k0 += GemmKernels.KC) {
                int kc = Math.min(GemmKernels.KC, k - k0);
                int base = k0 * mPad + ip * mr * kc;
                for (int r = 0; r < mr; r++) {
                    int i = ip * mr + r;
                    if (i >= m) {
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * mr + r] = 0;   // buffers are reused: write the padding
                        }
                        continue;
                    }
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * mr + r] = trans ? a[off + (k0 + p) * ld + i] : a[off + i * ld + k0 + p];
                    }
                }
            }
        }
    }

    static float[] packB(boolean trans, byte[] b, int off, int ld, int k, int n) {
        final int nr = GemmKernels.NR;
        final int nPad = pad(n, nr);
        float[] bp = new float[nPad * k];
        Parallel.forEach(nPad / nr, jp -> packBPanel(trans, b, off, ld, k, n, bp, nPad, jp));
        return bp;
    }

    /** Packs one NR-column panel of B (all reduction blocks). */
    static void packBPanel(boolean trans, byte[] b, int off, int ld, int k, int n, float[] bp, int nPad, int jp) {
        final int nr = GemmKernels.NR;
        int cols = Math.min(nr, n - jp * nr);
        for (int k0 = 0; k0 < k; k0 += GemmKernels.KC) {
            int kc = Math.min(GemmKernels.KC, k - k0);
            int base = k0 * nPad + jp * nr * kc;
            if (!trans && cols == nr && (long) off + (long) (k0 + kc - 1) * ld + jp * nr + nr + WidenSimd.BYTE_SLACK <= b.length) {
                for (int p = 0; p < kc; p++) {
                    WidenSimd.bytesToFloats(b, off + (k0 + p) * ld + jp * nr, bp, base + p * nr, nr);
                }
            } else if (!trans) {
                for (int p = 0; p < kc; p++) {
                    int src = off + (k0 + p) * ld + jp * nr;
                    int row = base + p * nr;
                    for (int col = 0; col < cols; col++) {
                        bp[row + col] = b[src + col];
                    }
                    for (int col = cols; col < nr; col++) {
                        bp[row + col] = 0;
                    }
                }
            } else {
                for (int col = 0; col < nr; col++) {
                    int src = off + (jp * nr + col) * ld + k0;
                    for (int p = 0; p < kc; p++) {
                        bp[base + p * nr + col] = col < cols ? b[src + p] : 0;
                    }
                }
            }
        }
    }

    static void packAPanel(boolean trans, short[] a, int off, int ld, int m, int k, int[] ap, int mPad, int ip) {
        final int mr = GemmKernels.MR;
        {
            for (int k0 = 0; k0 < k; k0 += GemmKernels.KC) {
                int kc = Math.min(GemmKernels.KC, k - k0);
                int base = k0 * mPad + ip * mr * kc;
                for (int r = 0; r < mr; r++) {
                    int i = ip * mr + r;
                    if (i >= m) {
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * mr + r] = 0;   // buffers are reused: write the padding
                        }
                        continue;
                    }
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * mr + r] = trans ? a[off + (k0 + p) * ld + i] : a[off + i * ld + k0 + p];
                    }
                }
            }
        }
    }

    static void packBPanel(boolean trans, short[] b, int off, int ld, int k, int n, int[] bp, int nPad, int jp) {
        final int nr = GemmKernels.NR;
        {
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
                    for (int col = cols; col < nr; col++) {
                        bp[row + col] = 0;
                    }
                }
            }
        }
    }
}

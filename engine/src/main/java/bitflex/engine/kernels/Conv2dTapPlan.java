package bitflex.engine.kernels;

import bitflex.engine.memory.ScratchMemory;

/**
 * The taps a block of wide-grid output vectors of {@link Conv2dDirectMulti#correlateWide} has to read.
 *
 * <p>Why: an output row near the top or bottom of its plane reads, for some tap rows, only rows of
 * zeros: the forward's padding rows, and the zero margins around dY in the input gradient (LeNet-5's
 * conv2 input gradient reads a zero row in 20 of the 70 (dx row, tap row) pairs). Those products are
 * w * 0 and add nothing, so a block of output vectors skips every tap row that reads a zero row for
 * each output row the block spans. Blocks whose rows all read data rows keep all taps.
 *
 * <p>Exactness: for the positions that are kept (not the wide grid's discarded columns or tail), a
 * skipped tap row reads only stored zeros, also where a tap's read runs past the end of its row (it
 * lands in the next row's zero columns). Adding w * 0 to an accumulator that started at +0 changes
 * nothing, except where w is not finite (the full sum turns NaN) or the accumulator underflowed to -0
 * (the full sum turns it +0); the scalar twin, which reads every tap, can differ from the kernel only
 * there.
 */
final class Conv2dTapPlan {
    private static final int[] NONE = new int[0];

    private final ConvGeometry geometry;
    private final boolean inputGradient;
    private final int[] offs;
    private final int kh, kw, kk, nIn, wp, rowShift, firstRow, lastRow, outRows, vl;
    private final int[][] byRows;

    /**
     * @param nIn      input planes (C for the forward, O for the input gradient), each {@code pl} floats apart
     * @param wp       row width of the input planes and of the wide grid: output position p is in row p / wp
     * @param rowShift read row of output row y, tap row i, is y + i + rowShift
     * @param firstRow first read row that holds data (rows before it are zero)
     * @param lastRow  last read row that holds data (rows after it are zero)
     * @param outRows  output rows; positions from outRows * wp on are the wide grid's discarded tail
     */
    private Conv2dTapPlan(ConvGeometry g, boolean inputGradient, int nIn, int pl, int wp, int rowShift, int firstRow, int lastRow,
                          int outRows, int vl) {
        this.geometry = g;
        this.inputGradient = inputGradient;
        this.kh = g.kh();
        this.kw = g.kw();
        this.kk = kh * kw;
        this.offs = Conv2dDirectMulti.tapOffsets(ScratchMemory.intsExactly(NONE, nIn * kk), nIn, kh, kw, pl, wp);
        this.nIn = nIn;
        this.wp = wp;
        this.rowShift = rowShift;
        this.firstRow = firstRow;
        this.lastRow = lastRow;
        this.outRows = outRows;
        this.vl = vl;
        this.byRows = new int[kh * kh][];
    }

    /** The forward's plan: output row y, tap row i reads padded row y + i; rows padH .. padH + H - 1 hold x. */
    static Conv2dTapPlan forward(ConvGeometry g, int vl) {
        return new Conv2dTapPlan(g, false, g.c(), Conv2dDirect.paddedLength(g), Conv2dDirect.paddedWidth(g), 0, g.padH(),
                g.padH() + g.h() - 1, g.oh(), vl);
    }

    /**
     * The input gradient's plan ({@link Conv2dDirectMulti#inputGradChunk}): dx row y, turned tap row i
     * reads row y + i + padH of a dY plane, whose rows KH-1 .. KH-1 + OH-1 hold dY.
     */
    static Conv2dTapPlan inputGradient(ConvGeometry g, int o, int vl) {
        return new Conv2dTapPlan(g, true, o, Conv2dDirectMulti.gradPaddedLength(g), Conv2dDirect.paddedWidth(g), g.padH(),
                g.kh() - 1, g.kh() - 2 + g.oh(), g.h(), vl);
    }

    /**
     * Whether this is the plan {@link #forward} (nIn = C) or {@link #inputGradient} (nIn = O) makes for
     * these arguments.
     */
    boolean isFor(ConvGeometry g, boolean inputGradient, int nIn, int vl) {
        return this.inputGradient == inputGradient && this.nIn == nIn && this.vl == vl && geometry.equals(g);
    }

    /** offs[u] for u = c*KH*KW + i*KW + j: where tap (i, j) of input channel c starts. */
    int[] offsets() {
        return offs;
    }

    /** Taps per output plane, all of them. */
    int count() {
        return offs.length;
    }

    /**
     * The taps u, increasing, that output vectors [v, v + nv) need: those whose tap row reads a data
     * row for at least one output row of the block.
     */
    int[] taps(int v, int nv) {
        long p0 = (long) v * vl, p1 = (long) (v + nv) * vl - 1;
        int y0 = (int) (p0 / wp);
        if (y0 >= outRows) {
            return NONE;
        }
        int y1 = (int) Math.min(outRows - 1, p1 / wp);
        int lo = Math.max(0, firstRow - rowShift - y1), hi = Math.min(kh - 1, lastRow - rowShift - y0);
        if (lo > hi) {
            return NONE;
        }
        int[] list = byRows[lo * kh + hi];
        return list != null ? list : (byRows[lo * kh + hi] = build(lo, hi));
    }

    /** Uncounts this plan's tables in {@link ScratchMemory} (the owning thread drops the plan). */
    void release() {
        ScratchMemory.release(offs);
        for (int[] list : byRows) {
            if (list != null) {
                ScratchMemory.release(list);
            }
        }
    }

    private int[] build(int lo, int hi) {
        int perChannel = (hi - lo + 1) * kw;
        int[] list = ScratchMemory.intsExactly(NONE, nIn * perChannel);
        for (int c = 0, t = 0; c < nIn; c++) {
            for (int u = c * kk + lo * kw; u < c * kk + (hi + 1) * kw; u++) {
                list[t++] = u;
            }
        }
        return list;
    }
}

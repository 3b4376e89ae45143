package bitflex.engine.kernels;

import bitflex.engine.simd.Simd;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Max pooling with a 2x2 window, stride 2 and no padding (LeNet's and most CNNs' pooling), forward and
 * backward, vectorised along a pair of input rows.
 *
 * <p>Why a kernel of its own: the general loops in {@link PoolKernels} do a window at a time; their
 * backward must pick each window's first maximal element, and the JIT compiles those choices into
 * branches that mispredict on every other window (about 14 ns per window, measured: more than the
 * convolution it follows). Here one vector holds the top rows of VL/2 windows side by side and another
 * their bottom rows; lanes come in (even, odd) = (left, right) pairs. Forward takes the max of the two
 * rows, then of each lane and its pair partner, and keeps the even lanes. Backward compares both rows
 * with the output spread to lane pairs, turns the two lane masks into bit masks, and picks each
 * window's first match (top-left, top-right, bottom-left, bottom-right) with bit arithmetic; the
 * gradient goes to that lane and zero to the others.
 *
 * <p>Results equal {@link PoolKernelsScalar} bit for bit (up to NaN payloads): each window is computed
 * on its own, and Math.max is exact and order-free on non-NaN values (-0 below +0).
 *
 * <p>{@link #reluForwardFromWide} and {@link #reluBackwardFromWinners} are the same forward and backward
 * (with ReLU) for {@link ConvReluPool2x2}: the forward reads a convolution's wide grid instead of its
 * output and keeps the winner lanes as bit masks, which the backward reads instead of comparing again.
 *
 * <p>Loads and stores are whole vectors except where they would leave the array or the caller's
 * planes: lanes past a row read or write places that later stores rewrite. Why not always masked:
 * without AVX-512's mask registers a masked store is VMASKMOVPS, which on Zen 3 took 6.3 ns against
 * 0.57 ns for a plain store (a loop of them alone); the masked stores of the fused pool's forward and
 * backward took 14% of a warm LeNet-5 profile. The choice is written out at every load and store, not
 * in helper methods: C2 compiled such helpers on their own while their callers ran in C1, and then
 * would not inline them ("already compiled into a big method"), so every vector crossed a call as a
 * boxed object and the pool's backward took 15% of a warm LeNet-5 step instead of 1% (AVX-512).
 *
 * <p>{@link #reluBackwardFromWinners} does its few vectors at the end of the array or of the caller's
 * planes lane by lane instead of by masked loads and stores: the masked paths made C2 compile it
 * large and slowly (3 compiles, 2 of them OSR, 803 ms of a one-epoch LeNet-5 run's C2 time on 2 Zen 3
 * cores), and that time comes out of the training threads'. Without them, medians of 6 interleaved
 * one-epoch LeNet-5 runs (2 Zen 3 cores, AVX2): C2 CPU 2.73 -> 2.30 s, 13.5k -> 16.4k samples/s.
 */
final class MaxPool2x2 {
    private static final VectorSpecies<Float> F = Simd.FLOAT;
    private static final int VL = F.length();
    /** Lane l takes lane l ^ 1: swaps the two lanes of each window. */
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(F, l -> l ^ 1);
    /** Lane l takes lane 2l: packs the even lanes into the lower half. */
    private static final VectorShuffle<Float> EVEN_LANES = VectorShuffle.fromOp(F, l -> (2 * l) % VL);
    /** Lane l takes lane l / 2: spreads one value per window over the window's lane pair. */
    private static final VectorShuffle<Float> SPREAD = VectorShuffle.fromOp(F, l -> l / 2);
    private static final long EVEN_BITS = 0x5555_5555_5555_5555L & (VL == 64 ? -1L : (1L << VL) - 1);
    private static final long ODD_BITS = EVEN_BITS << 1;

    private MaxPool2x2() {}

    /** Whether the geometry is the 2x2 / stride 2 / unpadded window these kernels handle. */
    static boolean applies(ConvGeometry g) {
        return g.kh() == 2 && g.kw() == 2 && g.strideH() == 2 && g.strideW() == 2 && g.padH() == 0 && g.padW() == 0;
    }

    /** y planes [from, to) = window max (then max(., 0) when {@code relu}); nothing else is written. */
    static void forward(float[] x, ConvGeometry g, int from, int to, float[] y, boolean relu) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        int covered = 2 * ow, writableEnd = to * oh * ow;
        FloatVector zero = FloatVector.zero(F);
        for (int pl = from; pl < to; pl++) {
            int xb = pl * h * w;
            int yb = pl * oh * ow;
            for (int r = 0; r < oh; r++) {
                int top = xb + 2 * r * w;
                int out = yb + r * ow;
                for (int j = 0; j < covered; j += VL) {
                    VectorMask<Float> in = F.indexInRange(j, covered);
                    FloatVector v = (top + j + VL <= x.length
                            ? FloatVector.fromArray(F, x, top + j)
                            : FloatVector.fromArray(F, x, top + j, in))
                            .max((top + w + j + VL <= x.length
                                    ? FloatVector.fromArray(F, x, top + w + j)
                                    : FloatVector.fromArray(F, x, top + w + j, in)));
                    v = v.max(v.rearrange(SWAP_PAIRS));
                    if (relu) {
                        v = v.max(zero);
                    }
                    v = v.rearrange(EVEN_LANES);
                    if (out + j / 2 + VL <= writableEnd) {
                        v.intoArray(y, out + j / 2);
                    } else {
                        v.intoArray(y, out + j / 2, F.indexInRange(j / 2, ow));
                    }
                }
            }
        }
    }

    /**
     * dx planes [from, to) overwritten: each window's gradient (0 + dy, or 0 when {@code relu} and the
     * output is not positive) goes to its first element equal to the output (a NaN output matches a
     * NaN element); every other element gets 0 (all four when none matches, as in the scalar twin).
     * Rows and columns no window covers (odd sizes) are zero-filled; nothing outside the planes is
     * written. A row pair's vectors go from the last to the first, as in {@link #reluBackwardFromWinners}.
     */
    static void backward(float[] x, float[] y, float[] dy, ConvGeometry g, int from, int to, float[] dx, boolean relu) {
        int h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
        int covered = 2 * ow, vectors = (covered + VL - 1) / VL, writableEnd = to * h * w;
        FloatVector zero = FloatVector.zero(F);
        for (int pl = from; pl < to; pl++) {
            int xb = pl * h * w;
            int yb = pl * oh * ow;
            for (int r = 0; r < oh; r++) {
                int top = xb + 2 * r * w;
                int bottom = top + w;
                int out = yb + r * ow;
                for (int v = vectors - 1; v >= 0; v--) {
                    int j = v * VL;
                    VectorMask<Float> in = F.indexInRange(j, covered);
                    VectorMask<Float> half = F.indexInRange(j / 2, ow);
                    FloatVector m = (out + j / 2 + VL <= y.length
                            ? FloatVector.fromArray(F, y, out + j / 2)
                            : FloatVector.fromArray(F, y, out + j / 2, half)).rearrange(SPREAD);
                    FloatVector d = (out + j / 2 + VL <= dy.length
                            ? FloatVector.fromArray(F, dy, out + j / 2)
                            : FloatVector.fromArray(F, dy, out + j / 2, half)).rearrange(SPREAD).add(zero);
                    FloatVector t = (top + j + VL <= x.length
                            ? FloatVector.fromArray(F, x, top + j)
                            : FloatVector.fromArray(F, x, top + j, in));
                    FloatVector b = (bottom + j + VL <= x.length
                            ? FloatVector.fromArray(F, x, bottom + j)
                            : FloatVector.fromArray(F, x, bottom + j, in));
                    VectorMask<Float> eqT = t.compare(VectorOperators.EQ, m);
                    VectorMask<Float> eqB = b.compare(VectorOperators.EQ, m);
                    if (relu) {
                        d = zero.blend(d, m.compare(VectorOperators.GT, zero));
                    } else {
                        VectorMask<Float> nan = m.test(VectorOperators.IS_NAN);
                        eqT = eqT.or(t.test(VectorOperators.IS_NAN).and(nan));
                        eqB = eqB.or(b.test(VectorOperators.IS_NAN).and(nan));
                    }
                    long tb = eqT.toLong(), bb = eqB.toLong();
                    long topAny = tb | swapPairs(tb);
                    long winTop = tb & ~(swapPairs(tb) & ODD_BITS);
                    long winBottom = bb & ~topAny & ~(swapPairs(bb) & ODD_BITS);
                    // lanes past the row pair hold other places' values: what lands there is rewritten later
                    FloatVector gt = zero.blend(d, VectorMask.fromLong(F, winTop));
                    FloatVector gb = zero.blend(d, VectorMask.fromLong(F, winBottom));
                    if (top + j + VL <= writableEnd) {
                        gt.intoArray(dx, top + j);
                    } else {
                        gt.intoArray(dx, top + j, in);
                    }
                    if (bottom + j + VL <= writableEnd) {
                        gb.intoArray(dx, bottom + j);
                    } else {
                        gb.intoArray(dx, bottom + j, in);
                    }
                }
                if (covered < w) {
                    dx[top + covered] = 0f;
                    dx[bottom + covered] = 0f;
                }
            }
            if (2 * oh < h) {
                Arrays.fill(dx, xb + 2 * oh * w, xb + h * w, 0f);
            }
        }
    }

    /** Winner masks per pooled row of a plane: two ints (top row, bottom row lanes) per vector of the row pair. */
    static int winnerInts(int oh, int ow) {
        int pw = ow / 2;
        return (oh / 2) * ((2 * pw + VL - 1) / VL) * 2;
    }

    /**
     * ReLU then 2x2 max pooling of output plane k of a wide convolution grid ({@link Conv2dDirect}):
     * conv value (r, c) is wide[k*lr + r*wp + c] (+ bias when {@code withBias}), exactly as
     * {@link Conv2dDirect#unwiden} would write it. pooled[pOff..] gets the window maxima after ReLU
     * ({@link #forward} with relu on the unwidened plane, bit for bit); winners[wOff..]
     * ({@link #winnerInts} of them) the lanes {@link #backward} with relu would give each window's
     * gradient to, as lane bit masks (a float vector has at most 16 lanes), none where the output is
     * not positive; winners may be null (no gradient wanted).
     *
     * <p>Stores are whole vectors wherever they end before {@code writableEnd}: their lanes past a
     * pooled row land on places this call or the caller writes afterwards (the caller's later planes,
     * up to writableEnd); see the class comment. Loads are whole where they stay inside {@code wide}.
     */
    static void reluForwardFromWide(float[] wide, int k, int lr, int wp, int oh, int ow, boolean withBias, float bias,
                                    float[] pooled, int pOff, int writableEnd, int[] winners, int wOff) {
        int ph = oh / 2, pw = ow / 2, covered = 2 * pw;
        FloatVector zero = FloatVector.zero(F), b = FloatVector.broadcast(F, bias);
        int wi = wOff;
        for (int r = 0; r < ph; r++) {
            int top = k * lr + 2 * r * wp;
            int out = pOff + r * pw;
            for (int j = 0; j < covered; j += VL) {
                VectorMask<Float> in = F.indexInRange(j, covered);
                FloatVector t = (top + j + VL <= wide.length
                        ? FloatVector.fromArray(F, wide, top + j)
                        : FloatVector.fromArray(F, wide, top + j, in));
                FloatVector u = (top + wp + j + VL <= wide.length
                        ? FloatVector.fromArray(F, wide, top + wp + j)
                        : FloatVector.fromArray(F, wide, top + wp + j, in));
                if (withBias) {
                    t = t.add(b);
                    u = u.add(b);
                }
                FloatVector v = t.max(u);
                // every lane pair holds its window's max, after ReLU: the pooled output spread over the pair
                v = v.max(v.rearrange(SWAP_PAIRS)).max(zero);
                FloatVector m = v.rearrange(EVEN_LANES);
                if (out + j / 2 + VL <= writableEnd) {
                    m.intoArray(pooled, out + j / 2);
                } else {
                    m.intoArray(pooled, out + j / 2, F.indexInRange(j / 2, pw));
                }
                if (winners == null) {
                    continue;
                }
                // lanes past the row read other places: they never win
                VectorMask<Float> positive = v.compare(VectorOperators.GT, zero).and(in);
                long tb = t.compare(VectorOperators.EQ, v).and(positive).toLong();
                long bb = u.compare(VectorOperators.EQ, v).and(positive).toLong();
                winners[wi++] = (int) (tb & ~(swapPairs(tb) & ODD_BITS));
                winners[wi++] = (int) (bb & ~(tb | swapPairs(tb)) & ~(swapPairs(bb) & ODD_BITS));
            }
        }
    }

    /**
     * dy planes [from, to) of the convolution output (OH x OW each) overwritten from the pooled
     * gradient and {@link #reluForwardFromWide}'s winners: each window's gradient + 0 at its winner, 0
     * everywhere else, as {@link #backward} with relu writes it. Writes nothing outside the planes.
     *
     * <p>A row pair's vectors go from the last to the first: only the last vector of a row can reach
     * past the covered columns, and it is stored first, so what its lanes leave there (the odd column,
     * the bottom row, and when OW is below VL the rows and planes after) is rewritten by the stores that
     * follow, the odd column's zero, the leftover row's fill or the next row pairs and planes (see
     * the class comment).
     */
    static void reluBackwardFromWinners(float[] dPooled, int[] winners, int oh, int ow, int from, int to, float[] dy) {
        int ph = oh / 2, pw = ow / 2, covered = 2 * pw, perPlane = winnerInts(oh, ow), vectors = (covered + VL - 1) / VL;
        int writableEnd = to * oh * ow;
        FloatVector zero = FloatVector.zero(F);
        for (int pl = from; pl < to; pl++) {
            int yb = pl * oh * ow;
            for (int r = 0; r < ph; r++) {
                int top = yb + 2 * r * ow;
                int out = pl * ph * pw + r * pw;
                int wi = pl * perPlane + r * 2 * vectors;
                for (int v = vectors - 1; v >= 0; v--) {
                    int j = v * VL;
                    int topBits = winners[wi + 2 * v], bottomBits = winners[wi + 2 * v + 1];
                    if (out + j / 2 + VL <= dPooled.length && top + ow + j + VL <= writableEnd) {
                        FloatVector d = FloatVector.fromArray(F, dPooled, out + j / 2).rearrange(SPREAD).add(zero);
                        zero.blend(d, VectorMask.fromLong(F, topBits & 0xFFFF_FFFFL)).intoArray(dy, top + j);
                        zero.blend(d, VectorMask.fromLong(F, bottomBits & 0xFFFF_FFFFL)).intoArray(dy, top + ow + j);
                    } else {
                        // the array's or the planes' end: lane by lane, the same values
                        for (int l = 0, lanes = Math.min(VL, covered - j); l < lanes; l++) {
                            float d = dPooled[out + (j + l) / 2] + 0f;
                            dy[top + j + l] = (topBits >>> l & 1) != 0 ? d : 0f;
                            dy[top + ow + j + l] = (bottomBits >>> l & 1) != 0 ? d : 0f;
                        }
                    }
                }
                if (covered < ow) {
                    dy[top + covered] = 0f;
                    dy[top + ow + covered] = 0f;
                }
            }
            if (2 * ph < oh) {
                Arrays.fill(dy, yb + 2 * ph * ow, yb + oh * ow, 0f);
            }
        }
    }

    /** Each even bit swapped with the odd bit above it. */
    private static long swapPairs(long bits) {
        return ((bits >>> 1) & EVEN_BITS) | ((bits << 1) & ODD_BITS);
    }
}

package bitflex.engine.fixed.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.fixed.Overflow;
import bitflex.engine.parallel.Parallel;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Integer convolution and its gradients against direct loops in {@code long}. */
@Tag("simd")
class IntConv2dTest {
    static long ovf(long s, Accumulator acc) {
        if (acc.exact()) {
            return s;
        }
        long hi = (1L << (acc.width() - 1)) - 1;
        return acc.overflow() == Overflow.SATURATE ? Math.max(-hi - 1, Math.min(hi, s))
                : (s << (64 - acc.width())) >> (64 - acc.width());
    }

    static long[] forwardRef(ConvGeometry g, long[] x, long[] w, Accumulator acc) {
        long[] out = new long[g.outputSize()];
        for (int n = 0; n < g.n(); n++) {
            for (int o = 0; o < g.o(); o++) {
                for (int oy = 0; oy < g.oh(); oy++) {
                    for (int ox = 0; ox < g.ow(); ox++) {
                        long s = 0;
                        for (int c = 0; c < g.c(); c++) {
                            for (int i = 0; i < g.kh(); i++) {
                                for (int j = 0; j < g.kw(); j++) {
                                    int iy = oy * g.stride() - g.pad() + i;
                                    int ix = ox * g.stride() - g.pad() + j;
                                    long xv = iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()
                                            ? x[((n * g.c() + c) * g.h() + iy) * g.w() + ix] : 0;
                                    s = ovf(s + xv * w[((o * g.c() + c) * g.kh() + i) * g.kw() + j], acc);
                                }
                            }
                        }
                        out[((n * g.o() + o) * g.oh() + oy) * g.ow() + ox] = s;
                    }
                }
            }
        }
        return out;
    }

    /** Exact input gradient: scatter every (output, weight) product onto the input it came from. */
    static long[] backwardInputRef(ConvGeometry g, long[] d, long[] w) {
        long[] dx = new long[g.inputSize()];
        for (int n = 0; n < g.n(); n++) {
            for (int o = 0; o < g.o(); o++) {
                for (int oy = 0; oy < g.oh(); oy++) {
                    for (int ox = 0; ox < g.ow(); ox++) {
                        long dv = d[((n * g.o() + o) * g.oh() + oy) * g.ow() + ox];
                        for (int c = 0; c < g.c(); c++) {
                            for (int i = 0; i < g.kh(); i++) {
                                for (int j = 0; j < g.kw(); j++) {
                                    int iy = oy * g.stride() - g.pad() + i;
                                    int ix = ox * g.stride() - g.pad() + j;
                                    if (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) {
                                        dx[((n * g.c() + c) * g.h() + iy) * g.w() + ix] += dv * w[((o * g.c() + c) * g.kh() + i) * g.kw() + j];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx;
    }

    static long[] backwardWeightRef(ConvGeometry g, long[] x, long[] d, Accumulator acc) {
        long[] dw = new long[g.weightSize()];
        for (int o = 0; o < g.o(); o++) {
            for (int c = 0; c < g.c(); c++) {
                for (int i = 0; i < g.kh(); i++) {
                    for (int j = 0; j < g.kw(); j++) {
                        long s = 0;
                        for (int n = 0; n < g.n(); n++) {
                            for (int oy = 0; oy < g.oh(); oy++) {
                                for (int ox = 0; ox < g.ow(); ox++) {
                                    int iy = oy * g.stride() - g.pad() + i;
                                    int ix = ox * g.stride() - g.pad() + j;
                                    long xv = iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()
                                            ? x[((n * g.c() + c) * g.h() + iy) * g.w() + ix] : 0;
                                    s = ovf(s + xv * d[((n * g.o() + o) * g.oh() + oy) * g.ow() + ox], acc);
                                }
                            }
                        }
                        dw[((o * g.c() + c) * g.kh() + i) * g.kw() + j] = s;
                    }
                }
            }
        }
        return dw;
    }

    static long[] wrap(long[] v, Accumulator acc) {
        long[] w = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            w[i] = acc.exact() ? v[i] : (v[i] << (64 - acc.width())) >> (64 - acc.width());
        }
        return w;
    }

    @Test
    void forwardAndGradientsEqualDirectLoops() {
        qt().withExamples(150).forAll(integers().between(0, 3).zip(integers().between(1, 3), integers().between(1, 4),
                        (n, c, o) -> new int[] {n, c, o}),
                integers().between(1, 9).zip(integers().between(1, 9), (h, w) -> new int[] {h, w}),
                integers().between(0, 63), longs().all())
                .checkAssert((nco, hw, flags, seed) -> {
                    Random r = new Random(seed);
                    int kh = 1 + r.nextInt(3);
                    int kw = 1 + r.nextInt(3);
                    int pad = r.nextInt(2);
                    if (hw[0] + 2 * pad < kh || hw[1] + 2 * pad < kw) {
                        return;
                    }
                    ConvGeometry g = new ConvGeometry(nco[0], nco[1], hw[0], hw[1], nco[2], kh, kw, 1 + r.nextInt(2), pad);
                    boolean int8 = (flags & 1) != 0;
                    int bits = int8 ? 8 : 16;
                    boolean extreme = (flags & 2) != 0;
                    Accumulator[] accs = {Accumulator.EXACT, Accumulator.INT32, new Accumulator(16 + (flags >> 2) % 16, Overflow.SATURATE),
                            new Accumulator(16 + (flags >> 2) % 16, Overflow.WRAP)};
                    long[] x = IntGemmTest.values(r, g.inputSize(), bits, bits - 1, extreme);
                    long[] w = IntGemmTest.values(r, g.weightSize(), bits, bits - 1, extreme);
                    long[] d = IntGemmTest.values(r, g.outputSize(), bits, bits - 1, extreme);
                    for (Accumulator acc : accs) {
                        long[] fwd = int8 ? IntConv2d.forward(g, IntGemmTest.bytes(x), IntGemmTest.bytes(w), acc)
                                : IntConv2d.forward(g, IntGemmTest.shorts(x), IntGemmTest.shorts(w), acc);
                        assertArrayEquals(forwardRef(g, x, w, acc), fwd, "forward " + g + " " + acc);
                        long[] dw = int8 ? IntConv2d.backwardWeight(g, IntGemmTest.bytes(x), IntGemmTest.bytes(d), acc)
                                : IntConv2d.backwardWeight(g, IntGemmTest.shorts(x), IntGemmTest.shorts(d), acc);
                        assertArrayEquals(backwardWeightRef(g, x, d, acc), dw, "dW " + g + " " + acc);
                        if (acc.exact() || acc.overflow() == Overflow.WRAP) {
                            // Wrapping and exact sums do not depend on the order: compare with the scatter.
                            long[] dx = int8 ? IntConv2d.backwardInput(g, IntGemmTest.bytes(d), IntGemmTest.bytes(w), acc)
                                    : IntConv2d.backwardInput(g, IntGemmTest.shorts(d), IntGemmTest.shorts(w), acc);
                            assertArrayEquals(wrap(backwardInputRef(g, d, w), acc), dx, "dX " + g + " " + acc);
                        }
                    }
                });
    }

    @Test
    void sameBitsForOneAndTwoThreads() {
        ConvGeometry g = new ConvGeometry(4, 3, 12, 12, 8, 3, 3, 1, 1);
        Random r = new Random(5);
        byte[] x = IntGemmTest.bytes(IntGemmTest.values(r, g.inputSize(), 8, 7, true));
        byte[] w = IntGemmTest.bytes(IntGemmTest.values(r, g.weightSize(), 8, 7, true));
        byte[] d = IntGemmTest.bytes(IntGemmTest.values(r, g.outputSize(), 8, 7, true));
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            long[] f1 = IntConv2d.forward(g, x, w, Accumulator.INT32);
            long[] i1 = IntConv2d.backwardInput(g, d, w, new Accumulator(18, Overflow.SATURATE));
            long[] w1 = IntConv2d.backwardWeight(g, x, d, new Accumulator(20, Overflow.SATURATE));
            Parallel.setThreads(2);
            assertArrayEquals(f1, IntConv2d.forward(g, x, w, Accumulator.INT32));
            assertArrayEquals(i1, IntConv2d.backwardInput(g, d, w, new Accumulator(18, Overflow.SATURATE)));
            assertArrayEquals(w1, IntConv2d.backwardWeight(g, x, d, new Accumulator(20, Overflow.SATURATE)));
        } finally {
            Parallel.setThreads(before);
        }
    }
}

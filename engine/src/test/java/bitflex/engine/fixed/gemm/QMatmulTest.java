package bitflex.engine.fixed.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.fixed.CounterRng;
import bitflex.engine.fixed.ExactRounding;
import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.FormatConversion;
import bitflex.engine.fixed.Overflow;
import bitflex.engine.fixed.QTensor;
import bitflex.engine.fixed.Quantizer;
import bitflex.engine.fixed.Rounding;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Quantized matmul and conv: exact accumulation, then one rounding into the output format. */
@Tag("simd")
class QMatmulTest {
    static QTensor random(FixedPointFormat f, Random r, int[] channelFl, int... shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        Object st = f.storage().allocate(n);
        for (int i = 0; i < n; i++) {
            FormatConversion.set(st, i, f.minInt() + (long) (r.nextDouble() * (f.maxInt() - f.minInt() + 1)));
        }
        return channelFl == null ? QTensor.of(f, st, shape) : QTensor.ofPerChannel(f, st, channelFl, shape);
    }

    static long requant(BigDecimal exactValue, Quantizer q, int index) {
        long key = CounterRng.key(q.seed(), q.stream());
        int j = CounterRng.uniform24(index, CounterRng.k0(key), CounterRng.k1(key));
        BigDecimal y = exactValue.multiply(ExactRounding.exact(BigInteger.ONE, -q.format().fracLength()));
        BigDecimal r = switch (q.rounding()) {
            case NEAREST_EVEN -> y.setScale(0, RoundingMode.HALF_EVEN);
            case NEAREST_AWAY -> y.setScale(0, RoundingMode.HALF_UP);
            case TOWARD_ZERO -> y.setScale(0, RoundingMode.DOWN);
            case FLOOR -> y.setScale(0, RoundingMode.FLOOR);
            case STOCHASTIC -> y.add(BigDecimal.valueOf(j).divide(BigDecimal.valueOf(1L << 24))).setScale(0, RoundingMode.FLOOR);
        };
        BigInteger k = r.toBigIntegerExact();
        long lo = q.format().minInt();
        long hi = q.format().maxInt();
        return k.max(BigInteger.valueOf(lo)).min(BigInteger.valueOf(hi)).longValueExact();
    }

    @Test
    void matmulWithPerChannelWeightsRoundsTheExactProductOnce() {
        qt().withExamples(120).forAll(integers().between(1, 16), integers().between(-12, 12),
                        arbitrary().enumValues(Rounding.class), longs().all())
                .checkAssert((wl, flOut, mode, seed) -> {
                    Random r = new Random(seed);
                    int m = 1 + r.nextInt(9);
                    int k = 1 + r.nextInt(40);
                    int n = 1 + r.nextInt(35);
                    FixedPointFormat fx = FixedPointFormat.signed(Math.max(2, wl), r.nextInt(9) - 2);
                    FixedPointFormat fw = FixedPointFormat.signed(1 + r.nextInt(8), 3);
                    int[] chan = new int[n];
                    for (int i = 0; i < n; i++) {
                        chan[i] = r.nextInt(12) - 3;
                    }
                    QTensor x = random(fx, r, null, m, k);
                    QTensor w = random(fw, r, chan, n, k);            // a Linear weight [out, in]
                    Quantizer q = new Quantizer(FixedPointFormat.signed(16, flOut), mode, Overflow.SATURATE, seed, 1);
                    QTensor y = QMatmul.matmul(x, false, w, true, Accumulator.EXACT, q);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            BigDecimal s = BigDecimal.ZERO;
                            for (int p = 0; p < k; p++) {
                                s = s.add(ExactRounding.exact(BigInteger.valueOf(x.get(i * k + p)), fx.fracLength())
                                        .multiply(ExactRounding.exact(BigInteger.valueOf(w.get(j * k + p)), chan[j])));
                            }
                            assertEquals(requant(s, q, i * n + j), y.get(i * n + j), "y[" + i + "," + j + "] " + fx + " " + fw + " " + mode);
                        }
                    }
                });
    }

    @Test
    void convForwardRequantizesPerOutputChannel() {
        Random r = new Random(8);
        FixedPointFormat fx = FixedPointFormat.signed(8, 4);
        FixedPointFormat fw = FixedPointFormat.signed(8, 6);
        int[] chan = {6, 2, 9};
        QTensor x = random(fx, r, null, 2, 2, 6, 5);
        QTensor w = random(fw, r, chan, 3, 2, 3, 3);
        Quantizer q = Quantizer.of(FixedPointFormat.signed(16, 5));
        QTensor y = QConv2d.forward(x, w, 1, 1, Accumulator.INT32, q);
        ConvGeometry g = new ConvGeometry(2, 2, 6, 5, 3, 3, 3, 1, 1);
        long[] xi = new long[x.size()];
        long[] wi = new long[w.size()];
        for (int i = 0; i < xi.length; i++) {
            xi[i] = x.get(i);
        }
        for (int i = 0; i < wi.length; i++) {
            wi[i] = w.get(i);
        }
        long[] acc = IntConv2dTest.forwardRef(g, xi, wi, Accumulator.EXACT);
        int px = g.pixels();
        for (int i = 0; i < acc.length; i++) {
            int o = (i / px) % 3;
            BigDecimal exact = ExactRounding.exact(BigInteger.valueOf(acc[i]), fx.fracLength() + chan[o]);
            assertEquals(requant(exact, q, i), y.get(i), "output " + i);
        }
    }

    @Test
    void shapeErrorsNameBothShapes() {
        FixedPointFormat f = FixedPointFormat.signed(8, 0);
        var e = assertThrows(IllegalArgumentException.class, () -> QMatmul.matmul(QTensor.zeros(f, 2, 3), false,
                QTensor.zeros(f, 4, 5), false, Accumulator.INT32, Quantizer.of(f)));
        assertEquals(true, e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 5]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QMatmul.matmul(QTensor.zeros(FixedPointFormat.signed(20, 0), 2, 3), false,
                QTensor.zeros(f, 3, 5), false, Accumulator.INT32, Quantizer.of(f)));
    }
}

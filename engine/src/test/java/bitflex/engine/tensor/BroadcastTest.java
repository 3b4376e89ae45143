package bitflex.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.kernels.FloatKernels;
import bitflex.engine.kernels.FloatKernelsScalar;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** NumPy broadcasting of the binary ops against a direct index-by-index reference, and shape errors. */
@Tag("simd")
class BroadcastTest {
    /** out[idx] = a[idx mapped] op b[idx mapped], computed one multi-index at a time. */
    static float[] reference(int op, Tensor a, Tensor b, int[] os) {
        int n = Shapes.numel(os);
        float[] out = new float[n];
        int[] idx = new int[os.length];
        for (int flat = 0; flat < n; flat++) {
            int rem = flat;
            for (int d = os.length - 1; d >= 0; d--) {
                idx[d] = rem % os[d];
                rem /= os[d];
            }
            out[flat] = FloatKernelsScalar.apply(op, a.get(map(idx, a.shape())), b.get(map(idx, b.shape())));
        }
        return out;
    }

    static int[] map(int[] idx, int[] shape) {
        int[] m = new int[shape.length];
        int lead = idx.length - shape.length;
        for (int i = 0; i < shape.length; i++) {
            m[i] = shape[i] == 1 ? 0 : idx[i + lead];
        }
        return m;
    }

    static int[][] randomPair(Random r) {
        int rank = r.nextInt(5);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            out[i] = r.nextInt(6) == 0 ? 1 : 1 + r.nextInt(9);
        }
        int[][] ab = new int[2][];
        for (int k = 0; k < 2; k++) {
            int rk = rank == 0 ? 0 : r.nextInt(rank + 1);
            int[] s = new int[rk];
            for (int i = 0; i < rk; i++) {
                s[i] = r.nextInt(3) == 0 ? 1 : out[rank - rk + i];
            }
            ab[k] = s;
        }
        if (r.nextInt(10) == 0 && rank > 0) {
            ab[0] = out.clone();
            ab[0][r.nextInt(rank)] = 0; // empty tensors broadcast too
            ab[1] = new int[0];
        }
        return ab;
    }

    @Test
    void binaryOpsMatchIndexReference() {
        qt().withFixedSeed(31).withExamples(400).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            int[][] p = randomPair(r);
            Tensor a = Tensor.randn(r, p[0]);
            Tensor b = Tensor.randn(r, p[1]).addScalar(0.01f);
            int[] os = Shapes.broadcast("test", p[0], p[1]);
            Tensor[] outs = {a.add(b), a.sub(b), a.mul(b), a.div(b), a.maximum(b), a.minimum(b)};
            for (int op = FloatKernels.ADD; op <= FloatKernels.MIN; op++) {
                assertArrayEquals(os, outs[op].shape());
                assertArrayEquals(reference(op, a, b, os), outs[op].toArray(), "op " + op);
            }
            // strided operands take the same path after densification
            if (p[0].length >= 2) {
                Tensor at = a.transpose(0, p[0].length - 1);
                Tensor bt = Tensor.randn(r, at.shape());
                assertArrayEquals(reference(FloatKernels.MUL, at, bt, at.shape()), at.mul(bt).toArray());
            }
        });
    }

    @Test
    void largeBroadcastsSplitAcrossChunksCorrectly() {
        Random r = new Random(1);
        int[][] cases = {{64, 512, 3}, {3, 70000}, {70000}, {2, 3, 40, 200}};
        for (int[] s : cases) {
            Tensor a = Tensor.randn(r, s);
            int[] bs = s.clone();
            bs[0] = 1;
            Tensor b = Tensor.randn(r, bs);
            Tensor c = Tensor.randn(r, s[s.length - 1]);
            assertArrayEquals(reference(FloatKernels.ADD, a, b, s), a.add(b).toArray());
            assertArrayEquals(reference(FloatKernels.MUL, c, a, s), c.mul(a).toArray());
        }
    }

    @Test
    void shapeErrorsNameOpAndShapes() {
        Tensor a = Tensor.zeros(2, 3);
        Tensor b = Tensor.zeros(4);
        var e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertEquals("add: shapes [2, 3] and [4] cannot be broadcast", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.mul(Tensor.zeros(3, 3)));
        assertEquals("mul: shapes [2, 3] and [3, 3] cannot be broadcast", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.matmul(Tensor.zeros(2, 3)));
        assertEquals("matmul: shapes [2, 3] and [2, 3] do not align", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.reshape(4, 2));
        assertEquals("reshape: shape [2, 3] cannot be viewed as [4, 2]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Functional.linear(Tensor.zeros(5, 4), Tensor.zeros(3, 5), null));
        assertEquals("linear: input [5, 4] and weight [3, 5] do not match (need [..., in] and [out, in])", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Functional.conv2d(Tensor.zeros(1, 2, 5, 5), Tensor.zeros(4, 3, 3, 3), null, 1, 0));
        assertEquals("conv2d: input [1, 2, 5, 5] and weight [4, 3, 3, 3] do not match (need [N, C, H, W] and [O, C, KH, KW])", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Functional.mseLoss(a, b));
        assertEquals("mseLoss: shapes [2, 3] and [4] differ", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Functional.crossEntropy(a, new int[] {0, 3}));
        assertEquals("crossEntropy: label 3 at index 1 outside [0, 3)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.sum(2, false));
        assertEquals("sum: dimension 2 out of range for rank 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertEquals("of: 5 values do not fill shape [2, 3]", e.getMessage());
    }
}

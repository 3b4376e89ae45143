package bitflex.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitflex.engine.autograd.Op;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Factories, views, reductions and the autograd API. */
class TensorApiTest {
    static Tensor seq(int... shape) {
        int n = Shapes.numel(shape);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = i;
        }
        return Tensor.of(d, shape);
    }

    @Test
    void factoriesAndAccessors() {
        Tensor t = Tensor.full(2.5f, 2, 3);
        assertArrayEquals(new int[] {2, 3}, t.shape());
        assertEquals(2, t.dim());
        assertEquals(6, t.numel());
        assertEquals(2.5f, t.get(1, 2));
        assertEquals(3f, Tensor.scalar(3f).item());
        assertEquals(0, Tensor.scalar(3f).dim());
        float[] backing = new float[4];
        Tensor w = Tensor.of(backing, 2, 2);
        assertSame(backing, w.data());
        assertArrayEquals(Tensor.randn(7, 3, 4).toArray(), Tensor.randn(7, 3, 4).toArray());
        float[] u = Tensor.rand(8, 1000).toArray();
        for (float v : u) {
            assertTrue(v >= 0f && v < 1f);
        }
        assertThrows(IllegalArgumentException.class, () -> t.item());
        assertThrows(IllegalArgumentException.class, () -> t.get(2, 0));
        assertEquals(0, Tensor.zeros(0, 5).numel());
    }

    @Test
    void viewsShareStorageAndCopyWhenNeeded() {
        Tensor a = seq(2, 3, 4);
        Tensor r = a.reshape(6, -1);
        assertArrayEquals(new int[] {6, 4}, r.shape());
        assertSame(a.data(), r.data());
        Tensor p = a.permute(2, 0, 1);
        assertArrayEquals(new int[] {4, 2, 3}, p.shape());
        assertEquals(a.get(1, 2, 3), p.get(3, 1, 2));
        assertFalse(p.isContiguous());
        assertThrows(IllegalStateException.class, p::data);
        Tensor pc = p.contiguous();
        assertTrue(pc.isContiguous());
        assertEquals(a.get(1, 0, 2), pc.get(2, 1, 0));
        Tensor n = a.narrow(2, 1, 2);
        assertArrayEquals(new float[] {1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22}, n.toArray());
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, seq(3, 4).t().toArray());
        Tensor e = Tensor.of(new float[] {1, 2, 3}, 3).expand(2, 3);
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, e.toArray());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, seq(2, 3).t().reshape(6).reshape(3, 2).t().toArray());
        Tensor dst = Tensor.zeros(2, 4);
        dst.narrow(1, 1, 2).copyFrom(Tensor.of(new float[] {7, 8, 9, 10}, 2, 2));
        assertArrayEquals(new float[] {0, 7, 8, 0, 0, 9, 10, 0}, dst.toArray());
        assertArrayEquals(new int[] {2, 12}, Functional.flatten(a).shape());
        Tensor cat = Tensor.cat(1, seq(2, 1), Tensor.full(9f, 2, 2));
        assertArrayEquals(new float[] {0, 9, 9, 1, 9, 9}, cat.toArray());
        var err = assertThrows(IllegalArgumentException.class, () -> Tensor.cat(0, seq(2, 1), seq(2, 2)));
        assertEquals("cat: shapes [2, 1] and [2, 2] differ outside dimension 0", err.getMessage());
    }

    @Test
    void reductionsAgainstLoops() {
        Random r = new Random(3);
        Tensor a = Tensor.randn(r, 3, 4, 5);
        float[] s01 = a.sum(new int[] {0, 2}, false).toArray();
        for (int j = 0; j < 4; j++) {
            double acc = 0;
            for (int i = 0; i < 3; i++) {
                for (int k = 0; k < 5; k++) {
                    acc += a.get(i, j, k);
                }
            }
            assertEquals(acc, s01[j], 1e-5);
        }
        assertArrayEquals(new int[] {1, 4, 1}, a.sum(new int[] {-1, 0}, true).shape());
        assertEquals(a.sum().item() / 60f, a.mean().item(), 1e-6f);
        Tensor m = a.max(1, false);
        int[] arg = a.argmax(1);
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 5; k++) {
                float best = Float.NEGATIVE_INFINITY;
                int bi = -1;
                for (int j = 0; j < 4; j++) {
                    if (a.get(i, j, k) > best) {
                        best = a.get(i, j, k);
                        bi = j;
                    }
                }
                assertEquals(best, m.get(i, k));
                assertEquals(bi, arg[i * 5 + k]);
                assertEquals(bi, a.argmax(1, true).get(i, 0, k));
            }
        }
        float[] flat = a.toArray();
        int best = 0;
        for (int i = 1; i < flat.length; i++) {
            if (flat[i] > flat[best]) {
                best = i;
            }
        }
        assertEquals(best, a.argmax());
        assertEquals(flat[best], a.max().item());
        assertEquals(a.max(new int[] {0, 1, 2}, false).item(), a.max().item());
        float[] sm = a.softmax(1).sum(1, false).toArray();
        for (float v : sm) {
            assertEquals(1f, v, 1e-6f);
        }
        assertArrayEquals(a.softmax(0).log().toArray(), a.logSoftmax(0).toArray(), 1e-5f);
        Tensor big = Tensor.randn(r, 3, 100_000);
        double exact = 0;
        for (float v : big.toArray()) {
            exact += v;
        }
        assertEquals(exact, big.sum().item(), 300_000 * 0x1p-24 * 3 * 100_000);
    }

    @Test
    void matmulAgainstLoops() {
        Random r = new Random(9);
        Tensor a = Tensor.randn(r, 5, 7);
        Tensor b = Tensor.randn(r, 7, 3);
        Tensor c = a.matmul(b);
        Tensor ct = b.t().matmul(a.t()).t();
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 3; j++) {
                double s = 0;
                for (int k = 0; k < 7; k++) {
                    s += (double) a.get(i, k) * b.get(k, j);
                }
                assertEquals(s, c.get(i, j), 1e-5);
                assertEquals(s, ct.get(i, j), 1e-5);
            }
        }
        Tensor ba = Tensor.randn(r, 4, 5, 7);
        Tensor bb = Tensor.randn(r, 4, 7, 3);
        Tensor bc = ba.matmul(bb);
        for (int q = 0; q < 4; q++) {
            Tensor one = ba.narrow(0, q, 1).reshape(5, 7).matmul(bb.narrow(0, q, 1).reshape(7, 3));
            assertArrayEquals(one.toArray(), bc.narrow(0, q, 1).reshape(5, 3).toArray(), 1e-6f);
        }
        assertArrayEquals(new int[] {4, 5, 3}, ba.matmul(b).shape());
    }

    @Test
    void autogradApi() {
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
        assertTrue(x.isLeaf());
        Tensor y = x.mul(x).sum();
        assertFalse(y.isLeaf());
        assertTrue(y.gradFn() instanceof Op.Sum);
        y.backward();
        assertArrayEquals(new float[] {2, 4, 6}, x.grad().toArray());
        x.mul(x).sum().backward(); // accumulates
        assertArrayEquals(new float[] {4, 8, 12}, x.grad().toArray());
        float[] buffer = x.grad().data();
        x.zeroGrad();
        assertArrayEquals(new float[] {0, 0, 0}, x.grad().toArray());
        x.exp().sum().backward();
        assertSame(buffer, x.grad().data(), "the gradient buffer is reused across steps");
        Tensor d = x.detach();
        assertFalse(d.requiresGrad());
        assertTrue(d.mul(d).isLeaf());
        try (var g = Tensor.noGrad()) {
            Tensor z = x.mul(x);
            assertFalse(z.requiresGrad());
            assertNull(z.gradFn());
        }
        assertTrue(x.mul(x).requiresGrad());
        Tensor v = x.mulScalar(2f);
        v.backward(Tensor.of(new float[] {1, 0, -1}, 3));
        assertThrows(IllegalArgumentException.class, () -> x.mul(x).backward());
        assertThrows(IllegalArgumentException.class, () -> x.mul(x).backward(Tensor.zeros(2)));
        assertThrows(IllegalStateException.class, () -> Tensor.zeros(1).backward());
    }

    @Test
    void layerGradientsAccumulateAcrossBackwardCalls() {
        Random r = new Random(4);
        Tensor x = Tensor.randn(r, 3, 2, 6, 6);
        Tensor cw = Tensor.randn(r, 4, 2, 3, 3).requiresGrad(true);
        Tensor cb = Tensor.randn(r, 4).requiresGrad(true);
        Tensor lw = Tensor.randn(r, 5, 36).requiresGrad(true);
        Tensor lb = Tensor.randn(r, 5).requiresGrad(true);
        Tensor[] ps = {cw, cb, lw, lb};
        java.util.function.Supplier<Tensor> loss = () -> Functional.linear(
                Functional.flatten(Functional.conv2d(x, cw, cb, 2, 1)), lw, lb).square().sum();
        loss.get().backward();
        float[][] once = new float[4][];
        for (int i = 0; i < 4; i++) {
            once[i] = ps[i].grad().toArray();
        }
        loss.get().backward();
        for (int i = 0; i < 4; i++) {
            float[] twice = ps[i].grad().toArray();
            for (int k = 0; k < twice.length; k++) {
                assertEquals(2 * once[i][k], twice[k], 1e-5f * Math.max(1f, Math.abs(twice[k])));
            }
        }
        // a weight used twice gets both contributions
        Tensor w = Tensor.randn(r, 3, 3).requiresGrad(true);
        Tensor in = Tensor.randn(r, 2, 3);
        Functional.linear(Functional.linear(in, w, null), w, null).sum().backward();
        Tensor w2 = Tensor.of(w.toArray(), 3, 3).requiresGrad(true);
        in.matmul(w2.t()).matmul(w2.t()).sum().backward();
        assertArrayEquals(w2.grad().toArray(), w.grad().toArray(), 1e-5f);
    }

    @Test
    void retainGradKeepsActivationGradients() {
        Tensor x = Tensor.of(new float[] {1, -2, 3}, 3).requiresGrad(true);
        Tensor h = x.mulScalar(2f).retainGrad();
        h.relu().sum().backward();
        assertArrayEquals(new float[] {1, 0, 1}, h.grad().toArray());
        assertArrayEquals(new float[] {2, 0, 2}, x.grad().toArray());
        float[] u = Tensor.uniform(new Random(1), -2f, -1f, 100).toArray();
        for (float v : u) {
            assertTrue(v >= -2f && v < -1f);
        }
    }

    @Test
    void diamondGraphGradientIsSumOfPaths() {
        Tensor x = Tensor.scalar(0.5f).requiresGrad(true);
        Tensor a = x.mulScalar(3f);
        Tensor b = x.exp();
        Tensor y = a.mul(b).add(a).add(b);
        y.backward();
        double e = Math.exp(0.5);
        assertEquals(3 * e + 3 * 0.5 * e + 3 + e, x.grad().item(), 1e-5);
    }

    @Test
    void deepChainDoesNotOverflowTheStack() {
        Tensor x = Tensor.scalar(1f).requiresGrad(true);
        Tensor y = x;
        for (int i = 0; i < 20_000; i++) {
            y = y.addScalar(0f);
        }
        y.backward();
        assertEquals(1f, x.grad().item());
    }
}

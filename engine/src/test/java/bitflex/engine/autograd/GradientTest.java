package bitflex.engine.autograd;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import bitflex.engine.tensor.Functional;
import bitflex.engine.tensor.Tensor;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Every differentiable op against central finite differences (see {@link GradCheck}), on random
 * shapes and values. Non-smooth ops (relu, max, clamp, pooling, maximum) get inputs whose values are
 * spaced further apart than the finite-difference step, so no kink lies within a step.
 */
class GradientTest {
    private static final int EXAMPLES = 20;

    private static void forSeeds(Consumer<Random> body) {
        qt().withFixedSeed(42).withExamples(EXAMPLES).forAll(longs().all()).checkAssert(seed -> body.accept(new Random(seed)));
    }

    static Tensor uniform(Random r, float lo, float hi, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = lo + (hi - lo) * r.nextFloat();
        }
        return t.requiresGrad(true);
    }

    static Tensor rnd(Random r, int... shape) {
        return uniform(r, -1f, 1f, shape);
    }

    /** Distinct values (a shuffled grid with step 0.07, none within 0.035 of zero or of each other's midpoint). */
    static Tensor distinct(Random r, int... shape) {
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (i - d.length / 2 + 0.5f) * 0.07f;
        }
        for (int i = d.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            float tmp = d[i];
            d[i] = d[j];
            d[j] = tmp;
        }
        return t.requiresGrad(true);
    }

    static int dim(Random r, int lo, int hi) {
        return lo + r.nextInt(hi - lo + 1);
    }

    /** A random shape of rank 1..3 and a second shape broadcastable against it. */
    static int[][] broadcastPair(Random r) {
        int rank = dim(r, 1, 3);
        int[] a = new int[rank];
        for (int i = 0; i < rank; i++) {
            a[i] = dim(r, 1, 4);
        }
        int rb = dim(r, 1, rank);
        int[] b = new int[rb];
        for (int i = 0; i < rb; i++) {
            b[i] = r.nextInt(3) == 0 ? 1 : a[rank - rb + i];
        }
        if (r.nextBoolean()) {
            return new int[][] {a, b};
        }
        // let a broadcast too: set one of a's dims to 1 where b is full
        int i = rank - 1 - r.nextInt(rb);
        if (b[i - (rank - rb)] != 1) {
            a[i] = 1;
        }
        return new int[][] {a, b};
    }

    static int[] shape(Random r, int maxRank) {
        int rank = dim(r, 1, maxRank);
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) {
            s[i] = dim(r, 1, 4);
        }
        return s;
    }

    @Test
    void addSubMulDivWithBroadcasting() {
        forSeeds(r -> {
            int[][] p = broadcastPair(r);
            GradCheck.check(x -> x[0].add(x[1]), rnd(r, p[0]), rnd(r, p[1]));
            GradCheck.check(x -> x[0].sub(x[1]), rnd(r, p[0]), rnd(r, p[1]));
            GradCheck.check(x -> x[1].sub(x[0]), rnd(r, p[0]), rnd(r, p[1]));
            GradCheck.check(x -> x[0].mul(x[1]), rnd(r, p[0]), rnd(r, p[1]));
            GradCheck.check(x -> x[0].div(x[1]), rnd(r, p[0]), uniform(r, 0.5f, 2f, p[1]));
            GradCheck.check(x -> x[1].div(x[0]), uniform(r, 0.5f, 2f, p[0]), rnd(r, p[1]));
        });
    }

    @Test
    void maximumMinimum() {
        forSeeds(r -> {
            int[] s = shape(r, 3);
            Tensor both = distinct(r, 2, s.length == 0 ? 1 : product(s));
            float[] d = both.data();
            int n = product(s);
            float[] a = java.util.Arrays.copyOfRange(d, 0, n);
            float[] b = java.util.Arrays.copyOfRange(d, n, 2 * n);
            GradCheck.check(x -> x[0].maximum(x[1]), Tensor.of(a.clone(), s).requiresGrad(true), Tensor.of(b.clone(), s).requiresGrad(true));
            GradCheck.check(x -> x[0].minimum(x[1]), Tensor.of(a.clone(), s).requiresGrad(true), Tensor.of(b.clone(), s).requiresGrad(true));
        });
    }

    @Test
    void unaryOps() {
        forSeeds(r -> {
            int[] s = shape(r, 3);
            GradCheck.check(x -> x[0].neg(), rnd(r, s));
            GradCheck.check(x -> x[0].exp(), rnd(r, s));
            GradCheck.check(x -> x[0].log(), uniform(r, 0.5f, 3f, s));
            GradCheck.check(x -> x[0].sqrt(), uniform(r, 0.5f, 3f, s));
            GradCheck.check(x -> x[0].relu(), distinct(r, s));
            GradCheck.check(x -> x[0].sigmoid(), uniform(r, -3f, 3f, s));
            GradCheck.check(x -> x[0].tanh(), uniform(r, -2f, 2f, s));
            GradCheck.check(x -> x[0].clamp(-0.2f, 0.3f), distinct(r, s));
            GradCheck.check(x -> x[0].pow(2f), rnd(r, s));
            GradCheck.check(x -> x[0].pow(3f), rnd(r, s));
            GradCheck.check(x -> x[0].pow(0.5f), uniform(r, 0.5f, 2f, s));
            GradCheck.check(x -> x[0].pow(-1f), uniform(r, 0.5f, 2f, s));
            GradCheck.check(x -> x[0].pow(-1.5f), uniform(r, 0.5f, 2f, s));
            GradCheck.check(x -> x[0].addScalar(0.7f), rnd(r, s));
            GradCheck.check(x -> x[0].mulScalar(-1.3f), rnd(r, s));
        });
    }

    @Test
    void reductions() {
        forSeeds(r -> {
            int[] s = shape(r, 3);
            int d = r.nextInt(s.length);
            boolean keep = r.nextBoolean();
            GradCheck.check(x -> x[0].sum(), rnd(r, s));
            GradCheck.check(x -> x[0].mean(), rnd(r, s));
            GradCheck.check(x -> x[0].sum(d, keep), rnd(r, s));
            GradCheck.check(x -> x[0].mean(d, keep), rnd(r, s));
            if (s.length >= 2) {
                GradCheck.check(x -> x[0].sum(new int[] {0, s.length - 1}, keep), rnd(r, s));
                GradCheck.check(x -> x[0].max(new int[] {0, s.length - 1}, keep), distinct(r, s));
            }
            GradCheck.check(x -> x[0].max(d, keep), distinct(r, s));
            GradCheck.check(x -> x[0].max(), distinct(r, s));
        });
    }

    @Test
    void softmaxAndLogSoftmax() {
        forSeeds(r -> {
            int[] s = shape(r, 3);
            int d = r.nextInt(s.length) - (r.nextBoolean() ? s.length : 0);
            GradCheck.check(x -> x[0].softmax(d), uniform(r, -2f, 2f, s));
            GradCheck.check(x -> x[0].logSoftmax(d), uniform(r, -2f, 2f, s));
        });
    }

    @Test
    void matmul() {
        forSeeds(r -> {
            int m = dim(r, 1, 5), k = dim(r, 1, 5), n = dim(r, 1, 5), b = dim(r, 1, 3);
            GradCheck.check(x -> x[0].matmul(x[1]), rnd(r, m, k), rnd(r, k, n));
            GradCheck.check(x -> x[0].t().matmul(x[1].t()), rnd(r, k, m), rnd(r, n, k));
            GradCheck.check(x -> x[0].matmul(x[1]), rnd(r, b, m, k), rnd(r, b, k, n));
            GradCheck.check(x -> x[0].matmul(x[1]), rnd(r, b, 2, m, k), rnd(r, k, n));
        });
    }

    @Test
    void viewsAndCopies() {
        forSeeds(r -> {
            int[] s = {dim(r, 1, 4), dim(r, 1, 4), dim(r, 1, 4)};
            GradCheck.check(x -> x[0].reshape(-1).mul(x[0].reshape(-1)), rnd(r, s));
            GradCheck.check(x -> x[0].permute(2, 0, 1).contiguous().mulScalar(2f), rnd(r, s));
            GradCheck.check(x -> x[0].transpose(0, 2).reshape(-1).exp(), rnd(r, s));
            int start = r.nextInt(s[1]);
            int len = 1 + r.nextInt(s[1] - start);
            GradCheck.check(x -> x[0].narrow(1, start, len).exp(), rnd(r, s));
            GradCheck.check(x -> x[0].expand(3, s[0], s[1], s[2]).mul(x[1]), rnd(r, s), rnd(r, 3, s[0], s[1], s[2]));
            GradCheck.check(x -> x[0].reshape(s[0], s[1], 1, s[2]).expand(s[0], s[1], 2, s[2]).exp(), rnd(r, s));
            GradCheck.check(x -> Functional.flatten(x[0]).sigmoid(), rnd(r, s));
            int d = r.nextInt(3);
            int[] s2 = s.clone();
            s2[d] = dim(r, 1, 3);
            GradCheck.check(x -> Tensor.cat(d, x[0], x[1], x[0]).exp(), rnd(r, s), rnd(r, s2));
        });
    }

    @Test
    void linear() {
        forSeeds(r -> {
            int n = dim(r, 1, 4), in = dim(r, 1, 5), out = dim(r, 1, 5);
            GradCheck.check(x -> Functional.linear(x[0], x[1], x[2]), rnd(r, n, in), rnd(r, out, in), rnd(r, out));
            GradCheck.check(x -> Functional.linear(x[0], x[1], null), rnd(r, n, in), rnd(r, out, in));
            GradCheck.check(x -> Functional.linear(x[0], x[1], x[2]), rnd(r, 2, n, in), rnd(r, out, in), rnd(r, out));
        });
    }

    @Test
    void conv2d() {
        forSeeds(r -> {
            int n = dim(r, 1, 6), c = dim(r, 1, 3), o = dim(r, 1, 3);
            int kh = dim(r, 1, 3), kw = dim(r, 1, 3);
            int sh = dim(r, 1, 2), sw = dim(r, 1, 2), ph = r.nextInt(2), pw = r.nextInt(2);
            int h = dim(r, kh, 6), w = dim(r, kw, 6);
            GradCheck.check(x -> Functional.conv2d(x[0], x[1], x[2], sh, sw, ph, pw),
                    rnd(r, n, c, h, w), rnd(r, o, c, kh, kw), rnd(r, o));
            GradCheck.check(x -> Functional.conv2d(x[0], x[1], null, 1, 0),
                    rnd(r, n, c, h, w), rnd(r, o, c, 1, 1));
        });
    }

    @Test
    void pooling() {
        forSeeds(r -> {
            int n = dim(r, 1, 2), c = dim(r, 1, 2);
            int k = dim(r, 1, 3), s = dim(r, 1, 3), p = r.nextInt(k / 2 + 1);
            int h = dim(r, k, 7), w = dim(r, k, 7);
            GradCheck.check(x -> Functional.maxPool2d(x[0], k, s, p), distinct(r, n, c, h, w));
            GradCheck.check(x -> Functional.avgPool2d(x[0], k, s, p), rnd(r, n, c, h, w));
            GradCheck.check(x -> Functional.maxPool2d(x[0], 2, 3, 1, 2, 0, 1), distinct(r, n, c, h + 1, w + 2));
        });
    }

    @Test
    void batchNorm() {
        forSeeds(r -> {
            int n = dim(r, 2, 3), c = dim(r, 1, 3), h = dim(r, 1, 3), w = dim(r, 1, 3);
            GradCheck.check(x -> Functional.batchNorm2d(x[0], null, null, x[1], x[2], true, 0.1f, 1e-5f),
                    uniform(r, -2f, 2f, n, c, h, w), uniform(r, 0.5f, 1.5f, c), rnd(r, c));
            GradCheck.check(x -> Functional.batchNorm2d(x[0], null, null, null, null, true, 0.1f, 1e-5f),
                    uniform(r, -2f, 2f, n, c));
            Tensor rm = Tensor.zeros(c);
            Tensor rv = Tensor.ones(c);
            GradCheck.check(x -> Functional.batchNorm2d(x[0], rm, rv, x[1], x[2], false, 0.1f, 1e-5f),
                    rnd(r, n, c, h, w), uniform(r, 0.5f, 1.5f, c), rnd(r, c));
        });
    }

    @Test
    void dropoutAndLosses() {
        forSeeds(r -> {
            int n = dim(r, 1, 4), c = dim(r, 2, 5);
            long seed = r.nextLong();
            GradCheck.check(x -> Functional.dropout(x[0], 0.4f, true, new SplittableRandom(seed)), rnd(r, n, c));
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = r.nextInt(c);
            }
            GradCheck.check(x -> Functional.crossEntropy(x[0], labels), uniform(r, -2f, 2f, n, c));
            GradCheck.check(x -> Functional.mseLoss(x[0], x[1]), rnd(r, n, c), rnd(r, n, c));
        });
    }

    @Test
    void sharedSubgraphsAccumulate() {
        forSeeds(r -> {
            int[] s = shape(r, 2);
            GradCheck.check(x -> {
                Tensor y = x[0].tanh();
                return y.mul(y).add(y.exp()).sub(x[0].mul(x[1]));
            }, rnd(r, s), rnd(r, s));
        });
    }

    static int product(int[] s) {
        int p = 1;
        for (int v : s) {
            p *= v;
        }
        return p;
    }
}

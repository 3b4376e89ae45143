package bitflex.engine.autograd;

import bitflex.engine.gemm.Sgemm;
import bitflex.engine.kernels.BatchNormKernel;
import bitflex.engine.kernels.Conv2dKernel;
import bitflex.engine.kernels.ConvReluPool2x2;
import bitflex.engine.kernels.ConvGeometry;
import bitflex.engine.kernels.FloatKernels;
import bitflex.engine.kernels.LossKernels;
import bitflex.engine.kernels.PoolKernels;
import bitflex.engine.parallel.Parallel;
import bitflex.engine.tensor.Tensor;
import java.util.Arrays;

/**
 * The derivative rule of every primitive op, in one exhaustive switch. Each rule receives the op (its
 * inputs and saved forward state) and the upstream gradient g of the op's output, and returns one
 * gradient per input (null where the input does not require grad). Rules run with grad mode off, so
 * they build no graph; their results are dense tensors of the inputs' shapes.
 */
public final class Derivatives {
    private Derivatives() {}

    /** Parallel chunk sizes, as in Tensor: memory-bound work, and exp-heavy rows. */
    private static final int GRAIN = 1 << 18;
    private static final int GRAIN_HEAVY = 1 << 15;

    public static Tensor[] backward(Op op, Tensor g) {
        return switch (op) {
            case Op.Custom o -> custom(o, g);
            case Op.Add o -> new Tensor[] {
                    needs(o.a()) ? sumTo(g, o.a()) : null,
                    needs(o.b()) ? sumTo(g, o.b()) : null};
            case Op.Sub o -> new Tensor[] {
                    needs(o.a()) ? sumTo(g, o.a()) : null,
                    needs(o.b()) ? sumTo(g.neg(), o.b()) : null};
            case Op.Mul o -> new Tensor[] {
                    needs(o.a()) ? sumTo(g.mul(o.b()), o.a()) : null,
                    needs(o.b()) ? sumTo(g.mul(o.a()), o.b()) : null};
            case Op.Div o -> new Tensor[] {
                    needs(o.a()) ? sumTo(g.div(o.b()), o.a()) : null,
                    needs(o.b()) ? sumTo(g.mul(o.out()).div(o.b()).neg(), o.b()) : null};
            case Op.Maximum o -> select(o.a(), o.b(), g, true);
            case Op.Minimum o -> select(o.a(), o.b(), g, false);
            case Op.Neg o -> new Tensor[] {g.neg()};
            case Op.Exp o -> new Tensor[] {g.mul(o.out())};
            case Op.Log o -> new Tensor[] {g.div(o.x())};
            case Op.Sqrt o -> new Tensor[] {g.div(o.out()).mulScalar(0.5f)};
            case Op.Relu o -> new Tensor[] {pairwise(o.x(), g, 0)};
            case Op.Sigmoid o -> new Tensor[] {pairwise(o.out(), g, 1)};
            case Op.Tanh o -> new Tensor[] {pairwise(o.out(), g, 2)};
            case Op.Clamp o -> new Tensor[] {clampGrad(o.x(), g, o.lo(), o.hi())};
            case Op.Pow o -> new Tensor[] {o.x().pow(o.p() - 1f).mulScalar(o.p()).mul(g)};
            case Op.AddScalar o -> new Tensor[] {g};
            case Op.MulScalar o -> new Tensor[] {g.mulScalar(o.s())};
            case Op.Sum o -> new Tensor[] {expandBack(g, o.x().shape(), o.axes())};
            case Op.MaxDim o -> new Tensor[] {maxGrad(o, g)};
            case Op.Softmax o -> new Tensor[] {rows(o.out(), g, false)};
            case Op.LogSoftmax o -> new Tensor[] {rows(o.out(), g, true)};
            case Op.MatMul o -> new Tensor[] {
                    needs(o.a()) ? g.matmul(o.b().t()) : null,
                    needs(o.b()) ? o.a().t().matmul(g) : null};
            case Op.BatchMatMul o -> new Tensor[] {
                    needs(o.a()) ? g.matmul(o.b().transpose(1, 2)) : null,
                    needs(o.b()) ? o.a().transpose(1, 2).matmul(g) : null};
            case Op.Reshape o -> new Tensor[] {g.reshape(o.x().shape())};
            case Op.Permute o -> new Tensor[] {g.permute(inverse(o.dims())).contiguous()};
            case Op.Slice o -> new Tensor[] {sliceGrad(o, g)};
            case Op.Expand o -> new Tensor[] {sumTo(g, o.x())};
            case Op.Contiguous o -> new Tensor[] {g};
            case Op.Cat o -> catGrad(o, g);
            case Op.Linear o -> linearGrad(o, g);
            case Op.Conv2d o -> convGrad(o.x(), o.w(), o.b(), o.geometry(), o.cols(), g);
            case Op.Conv2dReluMaxPool o -> convReluPoolGrad(o, g);
            case Op.MaxPool2d o -> new Tensor[] {poolGrad(o.x(), o.geometry(), g, o.out(), false)};
            case Op.ReluMaxPool2d o -> new Tensor[] {poolGrad(o.x(), o.geometry(), g, o.out(), true)};
            case Op.AvgPool2d o -> new Tensor[] {poolGrad(o.x(), o.geometry(), g, null, false)};
            case Op.BatchNorm2d o -> batchNormGrad(o, g);
            case Op.Dropout o -> new Tensor[] {g.mul(Tensor.of(o.mask(), g.shape()))};
            case Op.CrossEntropy o -> new Tensor[] {crossEntropyGrad(o, g)};
            case Op.MseLoss o -> mseGrad(o, g);
        };
    }

    private static boolean needs(Tensor t) {
        return t.requiresGrad();
    }

    /** Sums a broadcast gradient back to the shape of {@code target} (NumPy broadcasting in reverse). */
    public static Tensor sumTo(Tensor g, Tensor target) {
        int[] gs = g.shape();
        int[] ts = target.shape();
        if (Arrays.equals(gs, ts)) {
            return g;
        }
        int lead = gs.length - ts.length;
        int[] axes = new int[gs.length];
        int n = 0;
        for (int i = 0; i < gs.length; i++) {
            if (i < lead || (ts[i - lead] == 1 && gs[i] != 1)) {
                axes[n++] = i;
            }
        }
        return g.sum(Arrays.copyOf(axes, n), true).reshape(ts);
    }

    private static Tensor expandBack(Tensor g, int[] shape, int[] axes) {
        int[] kept = shape.clone();
        for (int a : axes) {
            kept[a] = 1;
        }
        return g.reshape(kept).expand(shape).contiguous();
    }

    private static Tensor[] select(Tensor a, Tensor b, Tensor g, boolean max) {
        int[] os = g.shape();
        float[] av = a.expand(os).contiguous().data();
        float[] bv = b.expand(os).contiguous().data();
        float[] gv = g.contiguous().data();
        Tensor ga = Tensor.empty(os);
        Tensor gb = Tensor.empty(os);
        float[] gad = ga.data();
        float[] gbd = gb.data();
        for (int i = 0; i < gv.length; i++) {
            boolean toA = max ? av[i] >= bv[i] : av[i] <= bv[i];
            gad[i] = toA ? gv[i] : 0f;
            gbd[i] = toA ? 0f : gv[i];
        }
        return new Tensor[] {needs(a) ? sumTo(ga, a) : null, needs(b) ? sumTo(gb, b) : null};
    }

    /** kind 0: relu'(x) g, 1: sigmoid' from y, 2: tanh' from y. */
    private static Tensor pairwise(Tensor t, Tensor g, int kind) {
        float[] tv = t.contiguous().data();
        float[] gv = g.contiguous().data();
        Tensor out = Tensor.empty(t.shape());
        float[] o = out.data();
        Parallel.forRange(tv.length, GRAIN, (f, e) -> {
            switch (kind) {
                case 0 -> FloatKernels.reluBackward(tv, f, gv, f, o, f, e - f);
                case 1 -> FloatKernels.sigmoidBackward(tv, f, gv, f, o, f, e - f);
                default -> FloatKernels.tanhBackward(tv, f, gv, f, o, f, e - f);
            }
        });
        return out;
    }

    private static Tensor clampGrad(Tensor x, Tensor g, float lo, float hi) {
        float[] xv = x.contiguous().data();
        float[] gv = g.contiguous().data();
        Tensor out = Tensor.empty(x.shape());
        float[] o = out.data();
        for (int i = 0; i < xv.length; i++) {
            o[i] = xv[i] >= lo && xv[i] <= hi ? gv[i] : 0f;
        }
        return out;
    }

    private static Tensor maxGrad(Op.MaxDim o, Tensor g) {
        int[] xs = o.x().shape();
        int d = o.dim();
        int outer = 1;
        int inner = 1;
        for (int i = 0; i < d; i++) {
            outer *= xs[i];
        }
        for (int i = d + 1; i < xs.length; i++) {
            inner *= xs[i];
        }
        int r = xs[d];
        Tensor out = Tensor.emptyZeroed(xs);
        float[] ov = out.data();
        float[] gv = g.contiguous().data();
        int[] arg = o.argmax();
        for (int q = 0; q < outer; q++) {
            for (int j = 0; j < inner; j++) {
                int k = q * inner + j;
                ov[(q * r + arg[k]) * inner + j] = gv[k];
            }
        }
        return out;
    }

    private static Tensor rows(Tensor y, Tensor g, boolean log) {
        int[] s = y.shape();
        int cols = s.length == 0 ? 1 : s[s.length - 1];
        Tensor out = Tensor.empty(s);
        if (y.numel() == 0) {
            return out;
        }
        float[] yv = y.contiguous().data();
        float[] gv = g.contiguous().data();
        float[] o = out.data();
        int rowCount = y.numel() / cols;
        Parallel.forRange(rowCount, Math.max(1, GRAIN_HEAVY / cols), (f, e) -> {
            if (log) {
                FloatKernels.logSoftmaxBackwardRows(yv, gv, o, f, e, cols);
            } else {
                FloatKernels.softmaxBackwardRows(yv, gv, o, f, e, cols);
            }
        });
        return out;
    }

    private static int[] inverse(int[] p) {
        int[] inv = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            inv[p[i]] = i;
        }
        return inv;
    }

    private static Tensor sliceGrad(Op.Slice o, Tensor g) {
        Tensor out = Tensor.emptyZeroed(o.x().shape());
        out.narrow(o.dim(), o.start(), g.shape()[o.dim()]).copyFrom(g);
        return out;
    }

    /**
     * dX = g W, dW = g^T X, db = column sums of g. A leaf weight or bias (the usual case) gets its
     * gradient accumulated in place (GEMM with beta = 1) rather than through a temporary.
     */
    private static Tensor[] linearGrad(Op.Linear o, Tensor g) {
        Tensor w = o.w();
        Tensor b = o.b();
        int in = w.shape()[1];
        int out = w.shape()[0];
        Tensor g2 = g.reshape(-1, out);
        Tensor x2 = o.x().reshape(-1, in);
        int n = g2.shape()[0];
        Tensor dw = null;
        if (needs(w)) {
            if (w.isLeaf() && n > 0 && in > 0 && out > 0) {
                float beta = w.gradHoldsValues() ? 1f : 0f;
                Sgemm.sgemm(true, false, out, in, n, 1f, g2.contiguous().data(), 0, out, x2.contiguous().data(), 0, in,
                        beta, w.gradForOverwrite(), 0, in);
            } else {
                dw = g2.t().matmul(x2);
            }
        }
        Tensor db = null;
        if (b != null && needs(b)) {
            db = g2.sum(0, false);
            if (b.isLeaf()) {
                boolean add = b.gradHoldsValues();
                float[] acc = b.gradForOverwrite();
                if (add) {
                    FloatKernels.binary(FloatKernels.ADD, acc, 0, db.contiguous().data(), 0, acc, 0, out);
                } else {
                    System.arraycopy(db.contiguous().data(), 0, acc, 0, out);
                }
                db = null;
            }
        }
        return new Tensor[] {needs(o.x()) ? g2.matmul(w).reshape(o.x().shape()) : null, dw, db};
    }

    /** Gradients of a convolution from its output gradient g; {@code cols} what forward kept, or null. */
    private static Tensor[] convGrad(Tensor x, Tensor w, Tensor b, ConvGeometry geometry, float[] cols, Tensor g) {
        Tensor dx = needs(x) ? Tensor.empty(x.shape()) : null;
        // Leaf weight and bias gradients are accumulated in place (see linearGrad).
        boolean wInPlace = needs(w) && w.isLeaf();
        boolean bInPlace = b != null && needs(b) && b.isLeaf();
        Tensor dw = needs(w) && !wInPlace ? Tensor.empty(w.shape()) : null;
        Tensor db = b != null && needs(b) && !bInPlace ? Tensor.empty(b.shape()) : null;
        // A zeroed leaf gradient is overwritten rather than added to (see Tensor.gradHoldsValues).
        boolean addW = wInPlace && w.gradHoldsValues();
        boolean addB = bInPlace && b.gradHoldsValues();
        Conv2dKernel.backward(x.contiguous().data(), x.shape()[0], geometry, w.contiguous().data(), w.shape()[0],
                g.contiguous().data(), dx == null ? null : dx.data(),
                wInPlace ? w.gradForOverwrite() : dw == null ? null : dw.data(),
                bInPlace ? b.gradForOverwrite() : db == null ? null : db.data(),
                cols, addW, addB);
        return new Tensor[] {dx, dw, db};
    }

    private static Tensor[] convReluPoolGrad(Op.Conv2dReluMaxPool o, Tensor g) {
        int n = o.x().shape()[0], oc = o.w().shape()[0];
        ConvGeometry geo = o.geometry();
        Tensor dy = Tensor.empty(n, oc, geo.oh(), geo.ow());
        ConvReluPool2x2.outputGradient(g.contiguous().data(), o.winners(), n, oc, geo, dy.data());
        return convGrad(o.x(), o.w(), o.b(), geo, null, dy);
    }

    private static Tensor poolGrad(Tensor x, ConvGeometry geo, Tensor g, Tensor maxOut, boolean relu) {
        int[] xs = x.shape();
        int planes = xs[0] * xs[1];
        Tensor dx = Tensor.empty(xs);
        float[] gv = g.contiguous().data();
        float[] d = dx.data();
        float[] xv = maxOut == null ? null : x.contiguous().data();
        float[] yv = maxOut == null ? null : maxOut.contiguous().data();
        int grain = Math.max(1, (GRAIN / 4) / Math.max(1, geo.h() * geo.w()));
        Parallel.forRange(planes, grain, (f, t) -> {
            if (relu) {
                PoolKernels.reluMaxBackward(xv, yv, gv, geo, f, t, d);
            } else if (maxOut != null) {
                PoolKernels.maxBackward(xv, yv, gv, geo, f, t, d);
            } else {
                PoolKernels.avgBackward(gv, geo, f, t, d);
            }
        });
        return dx;
    }

    private static Tensor[] batchNormGrad(Op.BatchNorm2d o, Tensor g) {
        int[] xs = o.x().shape();
        int n = xs[0];
        int c = xs[1];
        int hw = xs.length == 4 ? xs[2] * xs[3] : 1;
        Tensor dx = needs(o.x()) ? Tensor.empty(xs) : null;
        Tensor dg = o.gamma() != null && needs(o.gamma()) ? Tensor.empty(c) : null;
        Tensor db = o.beta() != null && needs(o.beta()) ? Tensor.empty(c) : null;
        BatchNormKernel.backward(g.contiguous().data(), o.xhat(), o.invStd(), o.gamma() == null ? null : o.gamma().contiguous().data(),
                n, c, hw, o.batchStats(), dx == null ? null : dx.data(), dg == null ? null : dg.data(), db == null ? null : db.data());
        return new Tensor[] {dx, dg, db};
    }

    private static Tensor crossEntropyGrad(Op.CrossEntropy o, Tensor g) {
        int[] s = o.logits().shape();
        Tensor d = Tensor.empty(s);
        LossKernels.crossEntropyBackward(o.probs(), s[0], s[1], o.labels(), g.item() / s[0], d.data());
        return d;
    }

    private static Tensor[] mseGrad(Op.MseLoss o, Tensor g) {
        int[] s = o.pred().shape();
        int n = o.pred().numel();
        Tensor d = Tensor.empty(s);
        LossKernels.mseBackward(o.pred().contiguous().data(), o.target().contiguous().data(), n, 2f * g.item() / n, d.data());
        return new Tensor[] {needs(o.pred()) ? d : null, needs(o.target()) ? d.neg() : null};
    }

    private static Tensor[] catGrad(Op.Cat o, Tensor g) {
        Tensor[] parts = o.parts();
        Tensor[] out = new Tensor[parts.length];
        int start = 0;
        for (int k = 0; k < parts.length; k++) {
            int len = parts[k].shape()[o.dim()];
            if (needs(parts[k])) {
                out[k] = g.narrow(o.dim(), start, len).contiguous();
            }
            start += len;
        }
        return out;
    }

    /** Runs a custom op's supplied rule and checks that it kept the contract. */
    private static Tensor[] custom(Op.Custom o, Tensor g) {
        Tensor[] out = o.rule().backward(g);
        if (out == null || out.length != o.parts().length) {
            throw new IllegalStateException("custom op " + o.name() + ": backward must return one gradient per input ("
                    + o.parts().length + "), got " + (out == null ? "null" : out.length));
        }
        return out;
    }
}

package bitflex.engine.autograd;

import bitflex.engine.kernels.ConvGeometry;
import bitflex.engine.tensor.Tensor;

/**
 * One recorded primitive op of the define-by-run graph: its inputs and whatever its derivative rule
 * needs saved from the forward pass. Every derivative rule lives in {@link Derivatives}, one exhaustive
 * switch over this sealed hierarchy, so adding a primitive without its rule does not compile.
 */
public sealed interface Op {
    /** The tensors this op read, in order; the derivative rule returns one gradient per input. */
    Tensor[] inputs();

    // ---- elementwise, broadcasting ----
    record Add(Tensor a, Tensor b) implements Op { public Tensor[] inputs() { return new Tensor[] {a, b}; } }
    record Sub(Tensor a, Tensor b) implements Op { public Tensor[] inputs() { return new Tensor[] {a, b}; } }
    record Mul(Tensor a, Tensor b) implements Op { public Tensor[] inputs() { return new Tensor[] {a, b}; } }
    record Div(Tensor a, Tensor b, Tensor out) implements Op { public Tensor[] inputs() { return new Tensor[] {a, b}; } }
    record Maximum(Tensor a, Tensor b) implements Op { public Tensor[] inputs() { return new Tensor[] {a, b}; } }
    record Minimum(Tensor a, Tensor b) implements Op { public Tensor[] inputs() { return new Tensor[] {a, b}; } }

    // ---- elementwise, unary ----
    record Neg(Tensor x) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    record Exp(Tensor x, Tensor out) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    record Log(Tensor x) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    record Sqrt(Tensor x, Tensor out) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    record Relu(Tensor x) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    record Sigmoid(Tensor x, Tensor out) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    record Tanh(Tensor x, Tensor out) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    record Clamp(Tensor x, float lo, float hi) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    record Pow(Tensor x, float p) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    record AddScalar(Tensor x, float s) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    record MulScalar(Tensor x, float s) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }

    // ---- reductions ----
    /** Sum over the sorted, distinct {@code axes}. */
    record Sum(Tensor x, int[] axes, boolean keepdim) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    /** Max along one dim; {@code argmax[o * inner + j]} is the winning index along the dim (first on ties). */
    record MaxDim(Tensor x, int dim, boolean keepdim, int[] argmax) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    /** Softmax along the last dim. */
    record Softmax(Tensor x, Tensor out) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    /** Log-softmax along the last dim. */
    record LogSoftmax(Tensor x, Tensor out) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }

    // ---- matrix products ----
    /** [M, K] x [K, N]. */
    record MatMul(Tensor a, Tensor b) implements Op { public Tensor[] inputs() { return new Tensor[] {a, b}; } }
    /** [B, M, K] x [B, K, N]. */
    record BatchMatMul(Tensor a, Tensor b) implements Op { public Tensor[] inputs() { return new Tensor[] {a, b}; } }

    // ---- views and copies ----
    record Reshape(Tensor x) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    record Permute(Tensor x, int[] dims) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    /** x.narrow(dim, start, length). */
    record Slice(Tensor x, int dim, int start) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    /** Broadcast view of x to a larger shape (stride 0 on broadcast dims). */
    record Expand(Tensor x) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    /** Concatenation along {@code dim}; input k occupies its own range along that dim. */
    record Cat(Tensor[] parts, int dim) implements Op { public Tensor[] inputs() { return parts.clone(); } }
    /** Dense copy of a strided view. */
    record Contiguous(Tensor x) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }

    // ---- fused neural-network primitives ----
    /** y = x w^T + b over the last dim of x; b may be null. */
    record Linear(Tensor x, Tensor w, Tensor b) implements Op { public Tensor[] inputs() { return new Tensor[] {x, w, b}; } }
    /** 2-D convolution, NCHW; b may be null; {@code cols} the column matrices forward kept, or null. */
    record Conv2d(Tensor x, Tensor w, Tensor b, ConvGeometry geometry, float[] cols) implements Op {
        public Tensor[] inputs() { return new Tensor[] {x, w, b}; }
    }
    /**
     * Stride-1 convolution, ReLU and 2x2 max pooling as one op ({@code ConvReluPool2x2}); {@code winners}
     * where each window's gradient goes, from which backward rebuilds the convolution's output gradient.
     */
    record Conv2dReluMaxPool(Tensor x, Tensor w, Tensor b, ConvGeometry geometry, int[] winners) implements Op {
        public Tensor[] inputs() { return new Tensor[] {x, w, b}; }
    }
    /** Max pooling; backward routes each output's gradient to the first window element equal to {@code out}. */
    record MaxPool2d(Tensor x, ConvGeometry geometry, Tensor out) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    /** Max pooling of ReLU(x) in one op; {@code out} the pooled output (see {@code PoolKernels.reluMaxBackward}). */
    record ReluMaxPool2d(Tensor x, ConvGeometry geometry, Tensor out) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    /** Average pooling (divisor KH * KW, as PyTorch's default {@code count_include_pad}). */
    record AvgPool2d(Tensor x, ConvGeometry geometry) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    /**
     * Batch norm over N, H, W per channel; gamma and beta may be null. {@code xhat} is the normalised
     * input, {@code invStd} 1/sqrt(var + eps) per channel; {@code batchStats} says whether mean/var came
     * from this batch (training) or were constants (eval).
     */
    record BatchNorm2d(Tensor x, Tensor gamma, Tensor beta, float[] xhat, float[] invStd, boolean batchStats) implements Op {
        public Tensor[] inputs() { return new Tensor[] {x, gamma, beta}; }
    }
    /** Inverted dropout; {@code mask[i]} is 0 or 1/(1-p). */
    record Dropout(Tensor x, float[] mask) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
    /** Mean cross-entropy of logits [N, C] against labels; {@code probs} is softmax(logits). */
    record CrossEntropy(Tensor logits, int[] labels, float[] probs) implements Op { public Tensor[] inputs() { return new Tensor[] {logits}; } }
    /** Mean squared error. */
    record MseLoss(Tensor pred, Tensor target) implements Op { public Tensor[] inputs() { return new Tensor[] {pred, target}; } }

    // ---- extension point ----
    /**
     * An op computed outside the engine whose derivative rule is supplied code (for example an
     * integer layer of the precision module). {@code parts} are its tensor inputs (entries may be
     * null); see {@link Tensor#recordCustom}.
     */
    record Custom(String name, Tensor[] parts, CustomBackward rule) implements Op {
        public Tensor[] inputs() { return parts.clone(); }
    }
}

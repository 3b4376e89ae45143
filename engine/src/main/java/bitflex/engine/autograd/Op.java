package bitflex.engine.autograd;

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
    /** Dense copy of a strided view. */
    record Contiguous(Tensor x) implements Op { public Tensor[] inputs() { return new Tensor[] {x}; } }
}

package bitflex.engine.tensor;

import bitflex.engine.autograd.GradMode;
import bitflex.engine.autograd.NoGrad;
import bitflex.engine.autograd.Op;
import bitflex.engine.gemm.Sgemm;
import bitflex.engine.kernels.FloatKernels;
import bitflex.engine.kernels.FloatKernelsScalar;
import bitflex.engine.parallel.Parallel;
import java.util.Arrays;
import java.util.Random;

/**
 * An n-dimensional float32 array with reverse-mode automatic differentiation.
 *
 * <p>Storage is a {@code float[]} read through an offset and row-major strides, so reshape (of a dense
 * tensor), permute/transpose, narrow and expand are views that copy nothing; {@link #contiguous()}
 * makes a dense copy when one is needed. A tensor is <em>dense</em> ({@link #isContiguous()}) when its
 * elements are exactly {@code data()[0 .. numel)} in row-major order.
 *
 * <p>Autograd is define-by-run: every op on a tensor that {@linkplain #requiresGrad() requires grad}
 * records an {@link Op} on its result (unless a {@link #noGrad()} scope is open); {@link #backward()}
 * walks that graph in a deterministic reverse topological order and accumulates gradients into
 * {@link #grad()} of the leaf tensors. The derivative rules are in
 * {@link bitflex.engine.autograd.Derivatives}. The graph stays referenced from the output
 * until that tensor is unreachable (or its workspace closes), so backward may run again through it
 * (like PyTorch's {@code retain_graph=True}); gradients then accumulate again.
 *
 * <p>Tensors created by ops inside a {@link Workspace} borrow pooled buffers and die when it closes;
 * factory tensors and leaf gradients never do (see {@link Workspace} for the lifetime rule).
 *
 * <p>Elementwise ops broadcast like NumPy; shape errors are {@link IllegalArgumentException}s that name
 * the op and both shapes. Large kernels run on {@link Parallel} in chunks fixed by the size alone, so
 * results do not depend on the thread count.
 */
public final class Tensor {
    /**
     * Elements per parallel chunk of memory-bound elementwise work. Waking the executor costs tens of
     * microseconds, about what a core needs for 256K simple float ops, so smaller ops run inline.
     */
    static final int GRAIN = 1 << 18;
    /** Elements per parallel chunk of compute-heavy elementwise work (exp, tanh, softmax, ...). */
    static final int GRAIN_HEAVY = 1 << 15;

    final float[] data;
    final int offset;
    final int[] shape;
    final int[] strides;
    final int numel;
    final Workspace scope;

    private boolean requiresGrad;
    boolean retainGrad;
    Tensor grad;
    /** The gradient is logically zero but its buffer not yet cleared (see {@link #zeroGrad()}). */
    private boolean gradZeroPending;
    Op gradFn;

    Tensor(float[] data, int offset, int[] shape, int[] strides, Workspace scope) {
        this.data = data;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
        this.numel = Shapes.numel(shape);
        this.scope = scope;
    }

    private static Tensor dense(float[] data, int[] shape, Workspace scope) {
        return new Tensor(data, 0, shape, Shapes.contiguousStrides(shape), scope);
    }

    // =====================================================================================
    // factories
    // =====================================================================================

    /** Wraps {@code data} (no copy) as a dense tensor; its length must equal the shape's element count. */
    public static Tensor of(float[] data, int... shape) {
        int[] s = shape.clone();
        int n = Shapes.numel(s);
        if (data.length != n) {
            throw new IllegalArgumentException("of: " + data.length + " values do not fill shape " + Shapes.str(s));
        }
        return dense(data, s, null);
    }

    /** A heap tensor of zeros. */
    public static Tensor zeros(int... shape) {
        int[] s = shape.clone();
        return dense(new float[Shapes.numel(s)], s, null);
    }

    /** A heap tensor of ones. */
    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    /** A heap tensor filled with {@code value}. */
    public static Tensor full(float value, int... shape) {
        Tensor t = zeros(shape);
        Arrays.fill(t.data, value);
        return t;
    }

    /** A 0-dimensional tensor holding {@code value}. */
    public static Tensor scalar(float value) {
        return dense(new float[] {value}, new int[0], null);
    }

    /** Standard normal samples from {@code rng} (row-major order). */
    public static Tensor randn(Random rng, int... shape) {
        Tensor t = zeros(shape);
        for (int i = 0; i < t.numel; i++) {
            t.data[i] = (float) rng.nextGaussian();
        }
        return t;
    }

    /** Uniform samples in [lo, hi) from {@code rng} (row-major order). */
    public static Tensor uniform(Random rng, float lo, float hi, int... shape) {
        Tensor t = zeros(shape);
        for (int i = 0; i < t.numel; i++) {
            t.data[i] = lo + (hi - lo) * rng.nextFloat();
        }
        return t;
    }

    /** Standard normal samples from a {@code new Random(seed)}. */
    public static Tensor randn(long seed, int... shape) {
        return randn(new Random(seed), shape);
    }

    /** Uniform samples in [0, 1) from {@code rng}. */
    public static Tensor rand(Random rng, int... shape) {
        Tensor t = zeros(shape);
        for (int i = 0; i < t.numel; i++) {
            t.data[i] = rng.nextFloat();
        }
        return t;
    }

    /** Uniform samples in [0, 1) from a {@code new Random(seed)}. */
    public static Tensor rand(long seed, int... shape) {
        return rand(new Random(seed), shape);
    }

    /** Dense zeros of the same shape (heap). */
    public static Tensor zerosLike(Tensor t) {
        return zeros(t.shape);
    }

    /**
     * A dense tensor with <em>unspecified</em> contents, to be overwritten entirely by the caller. Inside
     * a {@link Workspace} it borrows a pooled buffer (and dies with the workspace), else it is on the heap.
     */
    public static Tensor empty(int... shape) {
        int[] s = shape.clone();
        Workspace ws = Workspace.current();
        return dense(Workspace.allocate(ws, Shapes.numel(s)), s, ws);
    }

    /** Like {@link #empty} but zero-filled. */
    public static Tensor emptyZeroed(int... shape) {
        Tensor t = empty(shape);
        Arrays.fill(t.data, 0f);
        return t;
    }

    /** Opens a scope in which ops record no graph: {@code try (var g = Tensor.noGrad()) { ... }}. */
    public static NoGrad noGrad() {
        return new NoGrad();
    }

    // =====================================================================================
    // accessors
    // =====================================================================================

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Size of one dimension (negative counts from the end). */
    public int size(int dim) {
        return shape[Shapes.dim("size", dim, shape.length)];
    }

    /** Number of dimensions. */
    public int dim() {
        return shape.length;
    }

    /** Number of elements. */
    public int numel() {
        return numel;
    }

    /** The value of a one-element tensor. */
    public float item() {
        checkAlive();
        if (numel != 1) {
            throw new IllegalArgumentException("item: tensor of shape " + Shapes.str(shape) + " has " + numel + " elements, not 1");
        }
        return data[offset];
    }

    /** The element at a full index. */
    public float get(int... index) {
        return data[flatIndex("get", index)];
    }

    /** Sets the element at a full index (no autograd; for building data and tests). */
    public void set(float value, int... index) {
        data[flatIndex("set", index)] = value;
    }

    private int flatIndex(String op, int[] index) {
        checkAlive();
        if (index.length != shape.length) {
            throw new IllegalArgumentException(op + ": index " + Arrays.toString(index) + " for shape " + Shapes.str(shape));
        }
        int p = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IllegalArgumentException(op + ": index " + Arrays.toString(index) + " out of bounds for shape " + Shapes.str(shape));
            }
            p += index[i] * strides[i];
        }
        return p;
    }

    /**
     * The backing array of a dense tensor: element i (row-major) is {@code data()[i]}. Writing to it
     * changes the tensor (and bypasses autograd). Throws if the tensor is a strided view; call
     * {@link #contiguous()} first.
     */
    public float[] data() {
        checkAlive();
        if (!isContiguous()) {
            throw new IllegalStateException("data: tensor of shape " + Shapes.str(shape)
                    + " is a strided view; call contiguous() first");
        }
        return data;
    }

    /** A fresh row-major copy of the elements. */
    public float[] toArray() {
        checkAlive();
        if (isContiguous()) {
            return data.clone();
        }
        float[] out = new float[numel];
        StridedCopy.copy(data, offset, shape, strides, out);
        return out;
    }

    /** True when the elements are exactly {@code data()[0 .. numel)} in row-major order. */
    public boolean isContiguous() {
        if (offset != 0 || data.length != numel) {
            return false;
        }
        int expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expect) {
                return false;
            }
            expect *= shape[i];
        }
        return true;
    }

    /** The row-major elements as an array: the backing array when dense, else a copy (no autograd). */
    float[] denseData() {
        checkAlive();
        if (isContiguous()) {
            return data;
        }
        float[] out = Workspace.allocate(Workspace.current(), numel);
        StridedCopy.copy(data, offset, shape, strides, out);
        return out;
    }

    void checkAlive() {
        if (scope != null && scope.isClosed()) {
            throw new IllegalStateException("tensor of shape " + Shapes.str(shape)
                    + " belonged to a Workspace that has been closed; its buffer may have been reused");
        }
    }

    // =====================================================================================
    // autograd API
    // =====================================================================================

    /** Marks a leaf tensor as requiring gradients (returns this). */
    public Tensor requiresGrad(boolean on) {
        if (gradFn != null && !on) {
            throw new IllegalStateException("requiresGrad(false) on a non-leaf tensor; use detach()");
        }
        this.requiresGrad = on;
        return this;
    }

    /**
     * Asks backward to also store this non-leaf tensor's gradient in {@link #grad()} (on the heap),
     * e.g. to read activation gradients; a no-op for leaves, which always keep theirs. Returns this.
     */
    public Tensor retainGrad() {
        if (!requiresGrad) {
            throw new IllegalStateException("retainGrad: tensor of shape " + Shapes.str(shape) + " does not require grad");
        }
        retainGrad = true;
        return this;
    }

    /** Whether gradients flow to this tensor. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** The accumulated gradient of a leaf (a dense heap tensor of the same shape), or null before any backward. */
    public Tensor grad() {
        materializeZeroGrad();
        return grad;
    }

    /** Performs a zeroing that {@link #zeroGrad()} left pending. */
    private void materializeZeroGrad() {
        if (gradZeroPending) {
            Arrays.fill(grad.data, 0f);
            gradZeroPending = false;
        }
    }

    /** True for tensors not produced by a recorded op (parameters, inputs, detached tensors). */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The op that produced this tensor, or null for a leaf. */
    public Op gradFn() {
        return gradFn;
    }

    /**
     * The gradient buffer of a leaf that requires grad, created zero-filled on the heap if absent, for
     * derivative rules that accumulate straight into it (a GEMM with beta = 1 instead of a temporary
     * plus an add). Writing to it bypasses autograd.
     */
    public float[] gradAccumulator() {
        if (gradFn != null || !requiresGrad) {
            throw new IllegalStateException("gradAccumulator: only for leaf tensors that require grad");
        }
        if (grad == null) {
            grad = zeros(shape);
        }
        materializeZeroGrad();
        return grad.data;
    }

    /**
     * Whether a derivative rule that writes this leaf's whole gradient must add to what it holds. False
     * when there is no gradient yet or it was zeroed since its last write: the rule may then overwrite
     * every element of {@link #gradForOverwrite()} (a GEMM with beta = 0) instead of adding to zeros,
     * which saves zeroGrad's pass over the buffer and the read of it.
     */
    public boolean gradHoldsValues() {
        return grad != null && !gradZeroPending;
    }

    /**
     * The gradient buffer of a leaf that requires grad, for a rule that will write (when
     * {@link #gradHoldsValues()} is false: overwrite) every element before anyone reads it. Creates it
     * if absent and drops a pending zeroing without performing it.
     */
    public float[] gradForOverwrite() {
        if (gradFn != null || !requiresGrad) {
            throw new IllegalStateException("gradForOverwrite: only for leaf tensors that require grad");
        }
        if (grad == null) {
            grad = dense(new float[numel], shape.clone(), null);
        }
        gradZeroPending = false;
        return grad.data;
    }

    /**
     * Zeroes the accumulated gradient (keeps its buffer, so steps do not churn the heap). The zeroing
     * is lazy: it happens when the gradient is next read ({@link #grad()}, {@link #gradAccumulator()}),
     * or not at all when backward overwrites the whole buffer first (see {@link #gradHoldsValues()}).
     */
    public void zeroGrad() {
        if (grad != null) {
            gradZeroPending = true;
        }
    }

    /** Drops the gradient buffer entirely. */
    public void clearGrad() {
        grad = null;
        gradZeroPending = false;
    }

    /**
     * Records {@code out} as the result of a custom op over {@code inputs} whose derivative rule is
     * {@code rule} (the extension point for ops computed outside the engine). Unlike the built-in ops,
     * the op is recorded whenever grad mode is on, even if no input requires a gradient: its rule may
     * produce gradients of state outside the graph (for example integer weights), so backward must
     * reach it. With grad mode off, {@code out} is returned unchanged.
     *
     * @param name   op name for error messages
     * @param out    a fresh tensor computed by the caller, not yet part of any graph
     * @param inputs the tensors the op read (entries may be null)
     * @param rule   returns one gradient per input
     * @throws IllegalArgumentException if {@code out} already has a recorded op or is one of the inputs
     */
    public static Tensor recordCustom(String name, Tensor out, Tensor[] inputs, bitflex.engine.autograd.CustomBackward rule) {
        if (out.gradFn != null) {
            throw new IllegalArgumentException("recordCustom " + name + ": the output already belongs to op "
                    + out.gradFn.getClass().getSimpleName());
        }
        for (Tensor in : inputs) {
            if (in == out) {
                throw new IllegalArgumentException("recordCustom " + name + ": the output is one of the inputs");
            }
        }
        java.util.Objects.requireNonNull(rule, "rule");
        if (!GradMode.isEnabled()) {
            return out;
        }
        return out.record(new Op.Custom(name, inputs.clone(), rule));
    }

    /** A leaf view of the same storage that does not require grad. */
    public Tensor detach() {
        return new Tensor(data, offset, shape, strides, scope);
    }

    /** Backpropagates from this one-element tensor (upstream gradient 1). */
    public void backward() {
        if (numel != 1) {
            throw new IllegalArgumentException("backward: needs a one-element tensor, got shape " + Shapes.str(shape)
                    + "; pass an upstream gradient");
        }
        backward(full(1f, shape));
    }

    /** Backpropagates with {@code upstream} (same shape as this) as d(output)/d(this). */
    public void backward(Tensor upstream) {
        checkAlive();
        if (!Arrays.equals(upstream.shape, shape)) {
            throw new IllegalArgumentException("backward: upstream gradient shape " + Shapes.str(upstream.shape)
                    + " does not match tensor shape " + Shapes.str(shape));
        }
        if (!requiresGrad) {
            throw new IllegalStateException("backward: tensor does not require grad (no graph was recorded)");
        }
        Backprop.run(this, upstream);
    }

    /** Adds g into this leaf's gradient buffer, creating it (on the heap) the first time. */
    void accumulateGrad(Tensor g) {
        float[] src = g.denseData();
        if (grad == null) {
            grad = dense(Arrays.copyOf(src, numel), shape.clone(), null);
        } else if (gradZeroPending) {
            System.arraycopy(src, 0, grad.data, 0, numel);
            gradZeroPending = false;
        } else {
            FloatKernels.binary(FloatKernels.ADD, grad.data, 0, src, 0, grad.data, 0, numel);
        }
    }

    static boolean needsGrad(Tensor a) {
        return a.requiresGrad && GradMode.isEnabled();
    }

    static boolean needsGrad(Tensor a, Tensor b) {
        return (a.requiresGrad || (b != null && b.requiresGrad)) && GradMode.isEnabled();
    }

    static boolean needsGrad(Tensor a, Tensor b, Tensor c) {
        return (a.requiresGrad || (b != null && b.requiresGrad) || (c != null && c.requiresGrad)) && GradMode.isEnabled();
    }

    Tensor record(Op op) {
        this.gradFn = op;
        this.requiresGrad = true;
        return this;
    }

    // =====================================================================================
    // elementwise, broadcasting
    // =====================================================================================

    /** this + other, broadcasting. */
    public Tensor add(Tensor other) {
        Tensor out = Elementwise.binary(FloatKernels.ADD, "add", this, other);
        return needsGrad(this, other) ? out.record(new Op.Add(this, other)) : out;
    }

    /** this - other, broadcasting. */
    public Tensor sub(Tensor other) {
        Tensor out = Elementwise.binary(FloatKernels.SUB, "sub", this, other);
        return needsGrad(this, other) ? out.record(new Op.Sub(this, other)) : out;
    }

    /** this * other, broadcasting. */
    public Tensor mul(Tensor other) {
        Tensor out = Elementwise.binary(FloatKernels.MUL, "mul", this, other);
        return needsGrad(this, other) ? out.record(new Op.Mul(this, other)) : out;
    }

    /** this / other, broadcasting. */
    public Tensor div(Tensor other) {
        Tensor out = Elementwise.binary(FloatKernels.DIV, "div", this, other);
        return needsGrad(this, other) ? out.record(new Op.Div(this, other, out)) : out;
    }

    /** Elementwise maximum, broadcasting (gradient goes to this on ties). */
    public Tensor maximum(Tensor other) {
        Tensor out = Elementwise.binary(FloatKernels.MAX, "maximum", this, other);
        return needsGrad(this, other) ? out.record(new Op.Maximum(this, other)) : out;
    }

    /** Elementwise minimum, broadcasting (gradient goes to this on ties). */
    public Tensor minimum(Tensor other) {
        Tensor out = Elementwise.binary(FloatKernels.MIN, "minimum", this, other);
        return needsGrad(this, other) ? out.record(new Op.Minimum(this, other)) : out;
    }

    /** this + s. */
    public Tensor addScalar(float s) {
        Tensor out = Elementwise.scalar(FloatKernels.ADD, this, s);
        return needsGrad(this) ? out.record(new Op.AddScalar(this, s)) : out;
    }

    /** this - s. */
    public Tensor subScalar(float s) {
        return addScalar(-s);
    }

    /** this * s. */
    public Tensor mulScalar(float s) {
        Tensor out = Elementwise.scalar(FloatKernels.MUL, this, s);
        return needsGrad(this) ? out.record(new Op.MulScalar(this, s)) : out;
    }

    /** this / s. */
    public Tensor divScalar(float s) {
        return mulScalar(1f / s);
    }

    /** -this. */
    public Tensor neg() {
        Tensor out = Elementwise.unary(FloatKernels.NEG, this);
        return needsGrad(this) ? out.record(new Op.Neg(this)) : out;
    }

    /** e^this. */
    public Tensor exp() {
        Tensor out = Elementwise.unary(FloatKernels.EXP, this);
        return needsGrad(this) ? out.record(new Op.Exp(this, out)) : out;
    }

    /** Natural logarithm. */
    public Tensor log() {
        Tensor out = Elementwise.unary(FloatKernels.LOG, this);
        return needsGrad(this) ? out.record(new Op.Log(this)) : out;
    }

    /** Square root. */
    public Tensor sqrt() {
        Tensor out = Elementwise.unary(FloatKernels.SQRT, this);
        return needsGrad(this) ? out.record(new Op.Sqrt(this, out)) : out;
    }

    /** max(this, 0); its derivative at 0 is taken as 0. */
    public Tensor relu() {
        Tensor out = Elementwise.unary(FloatKernels.RELU, this);
        return needsGrad(this) ? out.record(new Op.Relu(this)) : out;
    }

    /** 1 / (1 + e^-this). */
    public Tensor sigmoid() {
        Tensor out = Elementwise.unary(FloatKernels.SIGMOID, this);
        return needsGrad(this) ? out.record(new Op.Sigmoid(this, out)) : out;
    }

    /** Hyperbolic tangent. */
    public Tensor tanh() {
        Tensor out = Elementwise.unary(FloatKernels.TANH, this);
        return needsGrad(this) ? out.record(new Op.Tanh(this, out)) : out;
    }

    /** min(max(this, lo), hi); gradient passes where lo <= x <= hi. */
    public Tensor clamp(float lo, float hi) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("clamp: lo " + lo + " > hi " + hi);
        }
        Tensor out = Elementwise.clamp(this, lo, hi);
        return needsGrad(this) ? out.record(new Op.Clamp(this, lo, hi)) : out;
    }

    /** this^p for a scalar exponent. */
    public Tensor pow(float p) {
        Tensor out = Elementwise.pow(this, p);
        return needsGrad(this) ? out.record(new Op.Pow(this, p)) : out;
    }

    /** this^2. */
    public Tensor square() {
        return pow(2f);
    }

    // =====================================================================================
    // reductions
    // =====================================================================================

    /** Sum of all elements (0-dimensional result). */
    public Tensor sum() {
        int[] all = new int[shape.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return sum(all, false);
    }

    /** Sum along one dimension. */
    public Tensor sum(int dim, boolean keepdim) {
        return sum(new int[] {dim}, keepdim);
    }

    /** Sum over the given dimensions (any order, negatives allowed). */
    public Tensor sum(int[] dims, boolean keepdim) {
        int[] axes = Reductions.normAxes("sum", dims, shape.length);
        Tensor out = Reductions.sum(this, axes, keepdim);
        return needsGrad(this) ? out.record(new Op.Sum(this, axes, keepdim)) : out;
    }

    /** Mean of all elements. */
    public Tensor mean() {
        return sum().mulScalar(numel == 0 ? Float.NaN : 1f / numel);
    }

    /** Mean along one dimension. */
    public Tensor mean(int dim, boolean keepdim) {
        return mean(new int[] {dim}, keepdim);
    }

    /** Mean over the given dimensions. */
    public Tensor mean(int[] dims, boolean keepdim) {
        int[] axes = Reductions.normAxes("mean", dims, shape.length);
        long count = 1;
        for (int a : axes) {
            count *= shape[a];
        }
        return sum(axes, keepdim).mulScalar(count == 0 ? Float.NaN : 1f / count);
    }

    /** Maximum along one dimension (gradient to the first maximal element). */
    public Tensor max(int dim, boolean keepdim) {
        int d = Shapes.dim("max", dim, shape.length);
        if (shape[d] == 0) {
            throw new IllegalArgumentException("max: dimension " + dim + " of shape " + Shapes.str(shape) + " is empty");
        }
        int[] arg = new int[numel / shape[d]];
        Tensor out = Reductions.maxDim(this, d, keepdim, arg);
        return needsGrad(this) ? out.record(new Op.MaxDim(this, d, keepdim, arg)) : out;
    }

    /** Maximum over several dimensions (reduced one at a time, highest first). */
    public Tensor max(int[] dims, boolean keepdim) {
        int[] axes = Reductions.normAxes("max", dims, shape.length);
        Tensor t = this;
        for (int i = axes.length - 1; i >= 0; i--) {
            t = t.max(axes[i], true);
        }
        return keepdim ? t : t.reshape(Reductions.dropAxes(shape, axes));
    }

    /** Maximum of all elements (0-dimensional). */
    public Tensor max() {
        if (numel == 0) {
            throw new IllegalArgumentException("max: tensor of shape " + Shapes.str(shape) + " is empty");
        }
        return reshape(numel).max(0, false);
    }

    /** Index of the first maximum along {@code dim}, as ints in row-major order of the reduced shape. */
    public int[] argmax(int dim) {
        int d = Shapes.dim("argmax", dim, shape.length);
        if (shape[d] == 0) {
            throw new IllegalArgumentException("argmax: dimension " + dim + " of shape " + Shapes.str(shape) + " is empty");
        }
        int[] arg = new int[numel / shape[d]];
        Reductions.maxDim(this, d, false, arg);
        return arg;
    }

    /** Index of the first maximum along {@code dim}, as a float tensor (exact below 2^24). */
    public Tensor argmax(int dim, boolean keepdim) {
        int d = Shapes.dim("argmax", dim, shape.length);
        int[] arg = argmax(d);
        int[] outShape = keepdim ? Reductions.keepAxes(shape, new int[] {d}) : Reductions.dropAxes(shape, new int[] {d});
        float[] v = new float[arg.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = arg[i];
        }
        return of(v, outShape);
    }

    /** Index of the first maximum of the flattened tensor. */
    public int argmax() {
        return reshape(numel).argmax(0)[0];
    }

    /** Softmax along {@code dim}, numerically stable (max subtracted). */
    public Tensor softmax(int dim) {
        int d = Shapes.dim("softmax", dim, shape.length);
        if (d != shape.length - 1) {
            return transpose(d, -1).softmax(-1).transpose(d, -1);
        }
        Tensor out = Reductions.softmaxLast(this, false);
        return needsGrad(this) ? out.record(new Op.Softmax(this, out)) : out;
    }

    /** Log-softmax along {@code dim}, numerically stable. */
    public Tensor logSoftmax(int dim) {
        int d = Shapes.dim("logSoftmax", dim, shape.length);
        if (d != shape.length - 1) {
            return transpose(d, -1).logSoftmax(-1).transpose(d, -1);
        }
        Tensor out = Reductions.softmaxLast(this, true);
        return needsGrad(this) ? out.record(new Op.LogSoftmax(this, out)) : out;
    }

    // =====================================================================================
    // matrix products
    // =====================================================================================

    /**
     * Matrix product through {@link Sgemm}: [M, K] x [K, N]; [B, M, K] x [B, K, N] (batched);
     * [..., M, K] x [K, N] (leading dims folded into M). 1-D operands are not promoted.
     */
    public Tensor matmul(Tensor other) {
        Tensor a = this;
        Tensor b = other;
        if (a.dim() == 2 && b.dim() == 2) {
            if (a.shape[1] != b.shape[0]) {
                throw new IllegalArgumentException("matmul: shapes " + Shapes.str(a.shape) + " and " + Shapes.str(b.shape) + " do not align");
            }
            Tensor out = MatMul.mm(a, b);
            return needsGrad(a, b) ? out.record(new Op.MatMul(a, b)) : out;
        }
        if (a.dim() >= 3 && b.dim() == 2) {
            int k = a.shape[a.dim() - 1];
            if (k != b.shape[0]) {
                throw new IllegalArgumentException("matmul: shapes " + Shapes.str(a.shape) + " and " + Shapes.str(b.shape) + " do not align");
            }
            int[] outShape = a.shape.clone();
            outShape[outShape.length - 1] = b.shape[1];
            return a.reshape(-1, k).matmul(b).reshape(outShape);
        }
        if (a.dim() == 3 && b.dim() == 3) {
            if (a.shape[0] != b.shape[0] || a.shape[2] != b.shape[1]) {
                throw new IllegalArgumentException("matmul: shapes " + Shapes.str(a.shape) + " and " + Shapes.str(b.shape) + " do not align");
            }
            Tensor out = MatMul.bmm(a, b);
            return needsGrad(a, b) ? out.record(new Op.BatchMatMul(a, b)) : out;
        }
        throw new IllegalArgumentException("matmul: unsupported shapes " + Shapes.str(a.shape) + " and " + Shapes.str(b.shape)
                + " (need 2-D x 2-D, N-D x 2-D or 3-D x 3-D)");
    }

    // =====================================================================================
    // views and copies
    // =====================================================================================

    /** Same elements in a new shape (one size may be -1); a view when dense, else a copy. */
    public Tensor reshape(int... newShape) {
        checkAlive();
        int[] s = inferShape(newShape);
        Tensor src = this;
        Tensor out;
        if (isContiguous()) {
            out = new Tensor(data, 0, s, Shapes.contiguousStrides(s), scope);
        } else {
            float[] d = denseData();
            out = new Tensor(d, 0, s, Shapes.contiguousStrides(s), Workspace.current());
        }
        return needsGrad(src) ? out.record(new Op.Reshape(src)) : out;
    }

    /** Alias of {@link #reshape}. */
    public Tensor view(int... newShape) {
        return reshape(newShape);
    }

    private int[] inferShape(int[] newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape: more than one -1 in " + Shapes.str(newShape));
                }
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: negative size in " + Shapes.str(newShape));
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new IllegalArgumentException("reshape: shape " + Shapes.str(shape) + " cannot be viewed as " + Shapes.str(newShape));
            }
            s[infer] = (int) (numel / known);
        } else if (known != numel) {
            throw new IllegalArgumentException("reshape: shape " + Shapes.str(shape) + " cannot be viewed as " + Shapes.str(newShape));
        }
        return s;
    }

    /** Flattens dims from {@code startDim} on into one. */
    public Tensor flatten(int startDim) {
        int d = Shapes.dim("flatten", startDim, Math.max(shape.length, 1));
        int[] s = new int[d + 1];
        int tail = 1;
        for (int i = 0; i < shape.length; i++) {
            if (i < d) {
                s[i] = shape[i];
            } else {
                tail *= shape[i];
            }
        }
        s[d] = tail;
        return reshape(s);
    }

    /** Reorders dimensions (a view). */
    public Tensor permute(int... dims) {
        checkAlive();
        if (dims.length != shape.length) {
            throw new IllegalArgumentException("permute: " + Arrays.toString(dims) + " for shape " + Shapes.str(shape));
        }
        int[] p = new int[dims.length];
        boolean[] seen = new boolean[dims.length];
        int[] s = new int[dims.length];
        int[] st = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            p[i] = Shapes.dim("permute", dims[i], shape.length);
            if (seen[p[i]]) {
                throw new IllegalArgumentException("permute: repeated dimension in " + Arrays.toString(dims));
            }
            seen[p[i]] = true;
            s[i] = shape[p[i]];
            st[i] = strides[p[i]];
        }
        Tensor out = new Tensor(data, offset, s, st, scope);
        return needsGrad(this) ? out.record(new Op.Permute(this, p)) : out;
    }

    /** Swaps two dimensions (a view). */
    public Tensor transpose(int d0, int d1) {
        int a = Shapes.dim("transpose", d0, shape.length);
        int b = Shapes.dim("transpose", d1, shape.length);
        int[] p = new int[shape.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = i;
        }
        p[a] = b;
        p[b] = a;
        return permute(p);
    }

    /** Transpose of a 2-D tensor (a view). */
    public Tensor t() {
        if (shape.length != 2) {
            throw new IllegalArgumentException("t: needs a 2-D tensor, got shape " + Shapes.str(shape));
        }
        return transpose(0, 1);
    }

    /** Elements {@code [start, start + length)} along {@code dim} (a view). */
    public Tensor narrow(int dim, int start, int length) {
        checkAlive();
        int d = Shapes.dim("narrow", dim, shape.length);
        if (start < 0 || length < 0 || start + length > shape[d]) {
            throw new IllegalArgumentException("narrow: [" + start + ", " + (start + length) + ") out of range for dimension "
                    + dim + " of shape " + Shapes.str(shape));
        }
        int[] s = shape.clone();
        s[d] = length;
        Tensor out = new Tensor(data, offset + start * strides[d], s, strides.clone(), scope);
        return needsGrad(this) ? out.record(new Op.Slice(this, d, start)) : out;
    }

    /** Broadcasts to a larger shape without copying (stride 0 on broadcast dims). */
    public Tensor expand(int... target) {
        checkAlive();
        int[] t = target.clone();
        int[] check = Shapes.broadcast("expand", shape, t);
        if (!Arrays.equals(check, t)) {
            throw new IllegalArgumentException("expand: shapes " + Shapes.str(shape) + " and " + Shapes.str(t) + " cannot be broadcast");
        }
        int[] st = new int[t.length];
        int lead = t.length - shape.length;
        for (int i = 0; i < t.length; i++) {
            int j = i - lead;
            st[i] = j < 0 || (shape[j] == 1 && t[i] != 1) ? 0 : strides[j];
        }
        Tensor out = new Tensor(data, offset, t, st, scope);
        return needsGrad(this) ? out.record(new Op.Expand(this)) : out;
    }

    /**
     * Concatenates tensors along {@code dim}; all other sizes must match (e.g. zero-padding channels
     * of a ResNet shortcut: {@code Tensor.cat(1, x, Tensor.zeros(n, extra, h, w))}).
     */
    public static Tensor cat(int dim, Tensor... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("cat: no tensors");
        }
        int rank = parts[0].shape.length;
        int d = Shapes.dim("cat", dim, rank);
        int[] outShape = parts[0].shape.clone();
        outShape[d] = 0;
        for (Tensor p : parts) {
            p.checkAlive();
            boolean ok = p.shape.length == rank;
            for (int i = 0; ok && i < rank; i++) {
                ok = i == d || p.shape[i] == parts[0].shape[i];
            }
            if (!ok) {
                throw new IllegalArgumentException("cat: shapes " + Shapes.str(parts[0].shape) + " and " + Shapes.str(p.shape)
                        + " differ outside dimension " + dim);
            }
            outShape[d] += p.shape[d];
        }
        Tensor out = empty(outShape);
        Tensor view = out.detach();
        int start = 0;
        boolean grad = false;
        for (Tensor p : parts) {
            view.narrow(d, start, p.shape[d]).copyFrom(p);
            start += p.shape[d];
            grad |= p.requiresGrad;
        }
        return grad && GradMode.isEnabled() ? out.record(new Op.Cat(parts.clone(), d)) : out;
    }

    /** This tensor if dense, else a dense copy. */
    public Tensor contiguous() {
        checkAlive();
        if (isContiguous()) {
            return this;
        }
        Tensor out = empty(shape);
        StridedCopy.copy(data, offset, shape, strides, out.data);
        return needsGrad(this) ? out.record(new Op.Contiguous(this)) : out;
    }

    /** A dense copy (heap unless a workspace is open), recorded like {@link #contiguous()}. */
    public Tensor copy() {
        checkAlive();
        Tensor out = empty(shape);
        StridedCopy.copy(data, offset, shape, strides, out.data);
        return needsGrad(this) ? out.record(new Op.Contiguous(this)) : out;
    }

    // =====================================================================================
    // in-place updates (no autograd; for optimizers)
    // =====================================================================================

    /** this += alpha * other, in place on a dense tensor of the same shape (no autograd). */
    public Tensor addInPlace(Tensor other, float alpha) {
        float[] d = data();
        if (!Arrays.equals(shape, other.shape)) {
            throw new IllegalArgumentException("addInPlace: shapes " + Shapes.str(shape) + " and " + Shapes.str(other.shape) + " differ");
        }
        float[] o = other.denseData();
        Parallel.forRange(numel, GRAIN, (f, to) -> FloatKernels.axpy(alpha, o, f, d, f, to - f));
        return this;
    }

    /** this *= s, in place on a dense tensor (no autograd). */
    public Tensor mulInPlace(float s) {
        float[] d = data();
        Parallel.forRange(numel, GRAIN, (f, to) -> FloatKernels.binaryScalar(FloatKernels.MUL, d, f, s, false, d, f, to - f));
        return this;
    }

    /**
     * Copies other's elements into this tensor, which may be a strided view such as a
     * {@link #narrow} of a dense tensor (no autograd; the view must not overlap itself, as an
     * {@link #expand}ed one does).
     */
    public Tensor copyFrom(Tensor other) {
        checkAlive();
        if (!Arrays.equals(shape, other.shape)) {
            throw new IllegalArgumentException("copyFrom: shapes " + Shapes.str(shape) + " and " + Shapes.str(other.shape) + " differ");
        }
        other.checkAlive();
        if (isContiguous()) {
            StridedCopy.copy(other.data, other.offset, other.shape, other.strides, data);
        } else {
            StridedCopy.scatter(other.denseData(), data, offset, shape, strides);
        }
        return this;
    }

    /** Fills this dense tensor with a value (no autograd). */
    public Tensor fill(float value) {
        Arrays.fill(data(), value);
        return this;
    }

    @Override
    public String toString() {
        if (scope != null && scope.isClosed()) {
            return "Tensor" + Shapes.str(shape) + "(dead)";
        }
        StringBuilder sb = new StringBuilder("Tensor").append(Shapes.str(shape));
        float[] v = toArray();
        sb.append(Arrays.toString(v.length <= 16 ? v : Arrays.copyOf(v, 16)));
        if (v.length > 16) {
            sb.setLength(sb.length() - 1);
            sb.append(", ...]");
        }
        if (requiresGrad) {
            sb.append(gradFn == null ? " requiresGrad" : " grad_fn=" + gradFn.getClass().getSimpleName());
        }
        return sb.toString();
    }

    // used by kernels-facing helpers in this package
    static float applyScalar(int op, float a, float b) {
        return FloatKernelsScalar.apply(op, a, b);
    }
}

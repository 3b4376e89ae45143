package bitflex.precision.integer;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.FormatConversion;
import bitflex.engine.fixed.QTensor;
import bitflex.engine.fixed.Quantizer;
import bitflex.engine.fixed.Rounding;
import bitflex.engine.fixed.StochasticUpdate;
import bitflex.nn.Module;
import bitflex.nn.checkpoint.Checkpoint;
import bitflex.precision.format.RangeFormat;
import bitflex.precision.ledger.GemmGeometry;
import java.util.Arrays;

/**
 * A Linear or Conv2d layer whose weight and bias exist only as integers ({@link QTensor}: byte
 * storage for WL <= 8, short for <= 16). It registers no float parameters: its forward and backward
 * run on the integer kernels inside one custom autograd op, backward leaves the integer weight and
 * bias gradients here, and {@link IntegerTraining} applies them with {@link #update}.
 */
public abstract sealed class IntegerLayer extends Module permits IntegerLinear, IntegerConv2d {
    private final String name;
    private final int index;
    final IntegerContext ctx;
    private final int[] weightShape;
    private QTensor weight;
    /** The largest |integer| of the weights (kept up to date, so most updates skip a range pass). */
    private long weightMaxAbs;
    private QTensor bias;
    private QTensor weightGrad;
    private long[] biasGrad;
    private int biasGradFl;
    private FixedPointFormat activationFormat;
    private FixedPointFormat gradientFormat;
    private long gradientBytes;
    /** The weight gradient plus the L1 subgradient, allocated on the first step with lambda1 > 0 and reused. */
    private long[] l1Gradient;
    private final FixedMomentum weightMomentum;
    private final FixedMomentum biasMomentum;

    IntegerLayer(String name, int index, IntegerContext ctx, float[] w, int[] shape, FixedPointFormat wf, float[] b) {
        this.name = name;
        this.index = index;
        this.ctx = ctx;
        this.weightShape = shape.clone();
        this.weightMomentum = new FixedMomentum(name, ctx.options().momentumBits());
        this.biasMomentum = new FixedMomentum(biasName(), ctx.options().momentumBits());
        checkFormat(wf);
        this.weight = QTensor.quantize(name, w, shape, Quantizer.of(wf));
        this.weightMaxAbs = maxAbs(weight);
        if (b != null) {
            FixedPointFormat bf = RangeFormat.forMaxAbs(ctx.options().biasBits(), RangeFormat.maxAbs(biasName(), b));
            this.bias = QTensor.quantize(biasName(), b, new int[] {b.length}, Quantizer.of(bf));
        }
    }

    /** The weight's name (its state-dict key in the float model, e.g. {@code 1.weight}). */
    public final String name() {
        return name;
    }

    final String biasName() {
        return name.endsWith("weight") ? name.substring(0, name.length() - "weight".length()) + "bias" : name + ".bias";
    }

    final int index() {
        return index;
    }

    /** The integer weights (storage shared: do not modify). */
    public final QTensor weight() {
        return weight;
    }

    /** The integer bias, or null. */
    public final QTensor bias() {
        return bias;
    }

    public final int[] weightShape() {
        return weightShape.clone();
    }

    /** The format of the last forward pass's input activations (null before the first). */
    public final FixedPointFormat activationFormat() {
        return activationFormat;
    }

    /** The format of the last backward pass's output gradient (null before the first). */
    public final FixedPointFormat gradientFormat() {
        return gradientFormat;
    }

    /** This step's weight gradient (null when backward has not reached the layer since the last update). */
    public final QTensor weightGradient() {
        return weightGrad;
    }

    /** This step's bias gradient at {@link #biasGradientFracLength()}, or null. */
    public final long[] biasGradient() {
        return biasGrad;
    }

    public final int biasGradientFracLength() {
        return biasGradFl;
    }

    /** Bytes of the integer weight storage. */
    public final long weightBytes() {
        return (long) weight.size() * weight.format().storage().bits / 8;
    }

    /** Bytes of the fixed-point momentum state of weight and bias (0 without momentum or before the first step). */
    public final long optimizerStateBytes() {
        return weightMomentum.bytes() + biasMomentum.bytes();
    }

    /** Bytes of the integer bias storage (0 without a bias). */
    public final long biasBytes() {
        return bias == null ? 0 : (long) bias.size() * bias.format().storage().bits / 8;
    }

    final void sawActivation(FixedPointFormat f) {
        activationFormat = f;
    }

    final void sawGradient(FixedPointFormat f) {
        gradientFormat = f;
    }

    /** Called by backward: the integer gradients of weight and bias (the bias one may be null). */
    final void storeGradients(QTensor gw, long[] gb, int gbFl) {
        if (weightGrad != null) {
            throw new IllegalStateException("integer layer " + name + ": a second backward pass reached the layer before"
                    + " its update; integer layers cannot be shared or run twice per step");
        }
        weightGrad = gw;
        biasGrad = gb;
        biasGradFl = gbFl;
        gradientBytes = (long) gw.size() * gw.format().storage().bits / 8 + (gb == null ? 0 : (long) gb.length * Long.BYTES)
                + (l1Gradient == null ? 0 : (long) l1Gradient.length * Long.BYTES);
    }

    /** Saves the integer weights, bias and momentum with their formats under {@code prefix}. */
    final void save(String prefix, Checkpoint c) {
        put(c, prefix + "weight", weight.format(), weight.storage(), weightShape);
        if (bias != null) {
            put(c, prefix + "bias", bias.format(), bias.storage(), bias.shape());
        }
        if (weightMomentum.storage() != null) {
            put(c, prefix + "weight_velocity", weightMomentum.format(), weightMomentum.storage(), weightShape);
        }
        if (biasMomentum.storage() != null) {
            put(c, prefix + "bias_velocity", biasMomentum.format(), biasMomentum.storage(), bias.shape());
        }
    }

    /** Restores what {@link #save} wrote; the weight shape and the presence of a bias must match. */
    final void load(String prefix, Checkpoint c) {
        weight = get(c, prefix + "weight", weightShape);
        checkFormat(weight.format());
        weightMaxAbs = maxAbs(weight);
        if (bias != null) {
            bias = get(c, prefix + "bias", bias.shape());
        }
        weightMomentum.restore(null, null);
        biasMomentum.restore(null, null);
        if (c.has(prefix + "weight_velocity.codes")) {
            QTensor v = get(c, prefix + "weight_velocity", weightShape);
            weightMomentum.restore(v.storage(), v.format());
        }
        if (bias != null && c.has(prefix + "bias_velocity.codes")) {
            QTensor v = get(c, prefix + "bias_velocity", bias.shape());
            biasMomentum.restore(v.storage(), v.format());
        }
        clearGradients();
    }

    private static void put(Checkpoint c, String key, FixedPointFormat f, Object storage, int[] shape) {
        QTensor t = QTensor.of(f, storage, shape);
        int[] codes = new int[t.size()];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = (int) t.get(i);
        }
        c.putInts(key + ".codes", shape, codes);
        c.putInts(key + ".format", new int[] {3}, new int[] {f.wordLength(), f.fracLength(), f.signed() ? 1 : 0});
    }

    private QTensor get(Checkpoint c, String key, int[] shape) {
        if (!c.has(key + ".codes") || !c.has(key + ".format")) {
            throw new IllegalArgumentException("integer mode: the checkpoint has no " + key + " for layer " + name);
        }
        int[] codes = c.ints(key + ".codes");
        int[] f = c.ints(key + ".format");
        if (!Arrays.equals(c.shape(key + ".codes"), shape) || f.length != 3) {
            throw new IllegalArgumentException("integer mode: the checkpoint's " + key + " has shape "
                    + Arrays.toString(c.shape(key + ".codes")) + ", layer " + name + " needs " + Arrays.toString(shape));
        }
        FixedPointFormat fmt = new FixedPointFormat(f[0], f[1], f[2] == 1);
        Object st = fmt.storage().allocate(codes.length);
        for (int i = 0; i < codes.length; i++) {
            if (!fmt.contains(codes[i])) {
                throw new IllegalArgumentException("integer mode: the checkpoint's " + key + "[" + i + "] = " + codes[i]
                        + " is outside " + fmt);
            }
            FormatConversion.set(st, i, codes[i]);
        }
        return QTensor.of(fmt, st, shape);
    }

    /** Bytes of the integer gradients of the last backward pass (they live until the update). */
    public final long gradientBytes() {
        return gradientBytes;
    }

    /** Exact zeros among the weight codes. */
    public final long weightZeros() {
        long z = 0;
        switch (weight.storage()) {
            case byte[] b -> {
                for (byte v : b) {
                    z += v == 0 ? 1 : 0;
                }
            }
            case short[] h -> {
                for (short v : h) {
                    z += v == 0 ? 1 : 0;
                }
            }
            default -> {
                for (int i = 0; i < weight.size(); i++) {
                    z += weight.get(i) == 0 ? 1 : 0;
                }
            }
        }
        return z;
    }

    /** The layer's shape for the ledger's MAC counts. */
    public abstract GemmGeometry geometry();

    /** Dequantizes this step's weight gradient (exact for its 16 bits) into {@code out}, of the weight's size. */
    /** Writes the weights' exact values into {@code out} (the weight's size) and returns it. */
    final float[] dequantizeWeight(float[] out) {
        Quantizer.dequantize(weight.format(), weight.storage(), 0, out, 0, weight.size());
        return out;
    }

    final void dequantizeGradient(float[] out) {
        Quantizer.dequantize(weightGrad.format(), weightGrad.storage(), 0, out, 0, weightGrad.size());
    }

    /** {@link #update(double, float[])} without reporting the direction. */
    final void update(double lr) {
        update(lr, null);
    }

    /**
     * Applies {@code w += SR(-lr g)} to the integer weights and bias (see {@link StochasticUpdate}),
     * then forgets the gradients. With {@link IntegerOptions#lambda1()} the weight gradient first
     * gains the L1 subgradient (see {@link IntegerL1}). When an updated integer would leave the format's range, the range
     * grows instead of saturating: fractional bits are dropped (nearest-even) until the largest fits,
     * so a policy that derives FL from the weights' range (RCT) sees the grown weights.
     *
     * @param direction null, or a buffer of the weight's size that receives what the weight update
     *                  multiplied by {@code -lr} (the fixed-point velocity with momentum, else the
     *                  gradient), dequantized exactly: the applied update before stochastic rounding
     * @return false if there was no gradient (nothing applied, {@code direction} untouched)
     */
    final boolean update(double lr, float[] direction) {
        if (weightGrad == null) {
            return false;
        }
        long seed = ctx.options().seed();
        double mu = ctx.options().momentum();
        long ws = ctx.stream(index, IntegerContext.Purpose.WEIGHT_UPDATE);
        FixedPointFormat wf = weight.format();
        Object g = weightGrad.storage();
        int gfl = weightGrad.format().fracLength();
        double lambda1 = ctx.options().lambda1();
        // The gradient's integers (a 16-bit requantization or the velocity) are bounded by their word
        // length; when that bound proves nothing can leave the range, the range pass is skipped.
        long gMax = 1L << (weightGrad.format().wordLength() - 1);
        if (lambda1 > 0) {
            // Joins the gradient before the velocity, like SGD's weight decay.
            if (l1Gradient == null) {
                l1Gradient = new long[weight.size()];
            }
            long[] gl = IntegerL1.add(weight.storage(), g, gfl, lambda1, seed, ctx.l1Stream(index), l1Gradient);
            g = gl;
            gMax = IntegerL1.maxAbs(gl);
        }
        if (mu > 0) {
            weightMomentum.accumulate(g, gfl, mu, seed, ctx.stream(index, IntegerContext.Purpose.WEIGHT_MOMENTUM));
            g = weightMomentum.storage();
            gfl = weightMomentum.format().fracLength();
        }
        if (mu > 0) {
            gMax = 1L << (weightMomentum.format().wordLength() - 1);
        }
        long max = StochasticUpdate.maxAbsBound(weightMaxAbs, gMax, wf, gfl, lr);
        if (max > wf.maxInt()) {
            max = StochasticUpdate.maxAbsAfter(wf, weight.storage(), gfl, g, lr, seed, ws);
        }
        if (direction != null) {
            if (g instanceof long[] gl) {
                double unit = Math.scalb(1.0, -gfl);
                for (int i = 0; i < gl.length; i++) {
                    direction[i] = (float) (gl[i] * unit);
                }
            } else {
                FixedPointFormat gf = mu > 0 ? weightMomentum.format() : weightGrad.format();
                Quantizer.dequantize(gf, g, 0, direction, 0, weight.size());
            }
        }
        FixedPointFormat to = widened(wf, max);
        weightMaxAbs = StochasticUpdate.apply(wf, weight.storage(), gfl, g, lr, seed, ws, to, weight.storage()).maxAbs();
        weight = QTensor.of(to, weight.storage(), weightShape);
        if (bias != null && biasGrad != null) {
            long bs = ctx.stream(index, IntegerContext.Purpose.BIAS_UPDATE);
            FixedPointFormat bf = bias.format();
            Object bg = biasGrad;
            int bgfl = biasGradFl;
            if (mu > 0) {
                biasMomentum.accumulate(bg, bgfl, mu, seed, ctx.stream(index, IntegerContext.Purpose.BIAS_MOMENTUM));
                bg = biasMomentum.storage();
                bgfl = biasMomentum.format().fracLength();
            }
            long bmax = StochasticUpdate.maxAbsAfter(bf, bias.storage(), bgfl, bg, lr, seed, bs);
            FixedPointFormat bto = widened(bf, bmax);
            StochasticUpdate.apply(bf, bias.storage(), bgfl, bg, lr, seed, bs, bto, bias.storage());
            bias = QTensor.of(bto, bias.storage(), bias.shape());
            // The bias follows its range both ways (RCT's rule at the bias's fixed width): a grown range
            // was handled above; a shrunk one gains a fractional bit, an exact shift.
            double m = 0;
            for (int i = 0; i < bias.size(); i++) {
                m = Math.max(m, Math.abs(bias.value(i)));
            }
            FixedPointFormat fit = RangeFormat.forMaxAbs(bf.wordLength(), m);
            if (fit.fracLength() > bto.fracLength()) {
                bias = convert(bias, fit, IntegerContext.Purpose.BIAS_CONVERT);
            }
        }
        weightGrad = null;
        biasGrad = null;
        return true;
    }

    /** Drops the pending gradients without applying them. */
    final void clearGradients() {
        weightGrad = null;
        biasGrad = null;
    }

    /**
     * Converts the weights to the format a policy chose: adding fractional bits is an exact left
     * shift; dropping them rounds stochastically (unbiased, keyed by seed, layer and step); values
     * beyond the new range saturate.
     *
     * @throws IllegalArgumentException if the format is unsigned or wider than the integer kernels take
     */
    final void convertWeights(FixedPointFormat f) {
        if (f.equals(weight.format())) {
            return;
        }
        checkFormat(f);
        weight = convert(weight, f, IntegerContext.Purpose.WEIGHT_CONVERT);
        weightMaxAbs = maxAbs(weight);
    }

    private static long maxAbs(QTensor t) {
        long m = 0;
        for (int i = 0; i < t.size(); i++) {
            m = Math.max(m, Math.abs(t.get(i)));
        }
        return m;
    }

    private QTensor convert(QTensor t, FixedPointFormat f, IntegerContext.Purpose purpose) {
        Quantizer q = Quantizer.of(f).withRounding(Rounding.STOCHASTIC).withSeed(ctx.options().seed(), ctx.stream(index, purpose));
        Object dst = f.storage().allocate(t.size());
        FormatConversion.convert(t.format(), t.storage(), 0, q, dst, 0, t.size(), 0);
        return QTensor.of(f, dst, t.shape());
    }

    private void checkFormat(FixedPointFormat f) {
        if (!f.signed() || f.wordLength() > IntegerOptions.MAX_OPERAND_BITS) {
            throw new IllegalArgumentException("integer mode: layer " + name + " was given weight format " + f
                    + "; the integer kernels take signed word lengths up to " + IntegerOptions.MAX_OPERAND_BITS
                    + " (use --policy rct or static with --bits <= 16)");
        }
    }

    /** The format with as many fractional bits dropped as {@code maxAbs} needs to fit. */
    static FixedPointFormat widened(FixedPointFormat f, long maxAbs) {
        int shift = 0;
        while (shift < 62 && ((maxAbs + ((1L << shift) >> 1)) >> shift) > f.maxInt()) {
            shift++;
        }
        if (shift == 0) {
            return f;
        }
        return f.withFracLength(Math.max(FixedPointFormat.MIN_FRAC_LENGTH, f.fracLength() - shift));
    }

    @Override
    protected String describe() {
        return name + " " + Arrays.toString(weightShape) + " " + weight.format() + (bias == null ? "" : ", bias " + bias.format());
    }
}

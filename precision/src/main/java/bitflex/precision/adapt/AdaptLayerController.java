package bitflex.precision.adapt;

import bitflex.nn.checkpoint.Checkpoint;
import bitflex.precision.PrecisionDecision;
import bitflex.engine.fixed.FixedPointFormat;

/**
 * AdaPT's state and decisions for one layer (DESIGN.md section 5, steps 1 to 5).
 *
 * <p>{@link #observeGradient} runs steps 1 to 4 for each step's gradient; {@link #observeLoss}
 * feeds the strategy's loss window; {@link #switchDue} says when {@code n >= lb}, and
 * {@link #decide} then pushes down, pushes up and resets the window.
 */
public final class AdaptLayerController {
    private final String layer;
    private final AdaptParameters params;
    private final GradientDiversity diversity;
    private FixedPointFormat format;
    private int lookBack;
    private int resolution;
    private PushUpStrategy strategy;
    private double lossSum;
    private int lossCount;

    public AdaptLayerController(String layer, int size, AdaptParameters params) {
        this.layer = layer;
        this.params = params;
        this.diversity = new GradientDiversity(size);
        this.format = AdaptRules.enforceBuffer(params.initialFormat(), params.resultsBuffer());
        this.lookBack = params.initialLookBack();
        this.resolution = params.initialResolution();
        this.strategy = params.initialStrategy();
    }

    /** Steps 1 to 4: count the unit gradient, then update look-back and resolution from GD. */
    public void observeGradient(float[] gradient) {
        if (!diversity.add(gradient)) {
            return; // an all-zero gradient carries no direction and does not advance the window
        }
        lookBack = AdaptRules.nextLookBack(lookBack, diversity.diversity(), params);
        resolution = AdaptRules.nextResolution(resolution, lookBack, params);
    }

    /** Adds a step's training loss to the strategy's window; NaN (unknown) is skipped. */
    public void observeLoss(double loss) {
        if (Double.isFinite(loss)) {
            lossSum += loss;
            lossCount++;
        }
    }

    /** True when {@code n >= lb}. */
    public boolean switchDue() {
        return diversity.count() > 0 && diversity.count() >= lookBack;
    }

    /**
     * Step 5: choose the strategy from the latest loss against the window's mean, push down on the
     * weights' information loss, push up on gradient diversity, reset the window, and log.
     *
     * @param latestLoss the loss of the step being decided on (NaN if unknown: strategy unchanged)
     */
    public PrecisionDecision decide(long step, float[] weights, double latestLoss) {
        if (weights.length != diversitySize()) {
            throw new IllegalArgumentException("AdaPT layer " + layer + ": weights have " + weights.length
                    + " elements, registered " + diversitySize());
        }
        if (Double.isFinite(latestLoss) && lossCount > 0) {
            strategy = latestLoss >= lossSum / lossCount ? strategy.escalate() : PushUpStrategy.MIN;
        }
        double gd = diversity.diversity();
        FixedPointFormat before = format;
        InformationLoss loss = new InformationLoss(weights, resolution, params.epsilon());
        FixedPointFormat down = AdaptRules.pushDown(before, loss, params);
        AdaptRules.PushUpSteps steps = AdaptRules.pushUpSteps(down.fracLength(), gd, strategy);
        FixedPointFormat after = AdaptRules.pushUp(down, steps, gd, params.resultsBuffer());
        double kl = loss.of(after);
        format = after;
        PrecisionDecision d = new PrecisionDecision(step, layer, "adapt", after.equals(before) ? "keep" : "switch",
                before, after,
                kl, gd, lookBack, resolution, steps.step(), strategy.label(), Double.NaN);
        diversity.reset();
        lossSum = 0;
        lossCount = 0;
        return d;
    }

    private int diversitySize() {
        return diversity.size();
    }

    /** Number of weights (and gradient elements) of the layer. */
    public int size() {
        return diversity.size();
    }

    /** Format, look-back, resolution, strategy, loss window and gradient-diversity window, exactly. */
    void saveState(Checkpoint c, String prefix) {
        c.putLongs(prefix + "scalars", new int[] {8}, new long[] {format.wordLength(), format.fracLength(),
            format.signed() ? 1 : 0, lookBack, resolution, strategy.ordinal(), Double.doubleToRawLongBits(lossSum), lossCount});
        diversity.saveState(c, prefix + "diversity.");
    }

    void loadState(Checkpoint c, String prefix) {
        long[] s = c.longs(prefix + "scalars");
        if (s.length != 8 || s[5] < 0 || s[5] >= PushUpStrategy.values().length) {
            throw new IllegalArgumentException("AdaPT layer " + layer + ": saved state does not fit");
        }
        format = new FixedPointFormat((int) s[0], (int) s[1], s[2] != 0);
        lookBack = (int) s[3];
        resolution = (int) s[4];
        strategy = PushUpStrategy.values()[(int) s[5]];
        lossSum = Double.longBitsToDouble(s[6]);
        lossCount = (int) s[7];
        diversity.loadState(c, prefix + "diversity.");
    }

    public FixedPointFormat format() { return format; }
    public int lookBack() { return lookBack; }
    public int resolution() { return resolution; }
    public PushUpStrategy strategy() { return strategy; }
    public int windowCount() { return diversity.count(); }
    public double gradientDiversity() { return diversity.diversity(); }
}

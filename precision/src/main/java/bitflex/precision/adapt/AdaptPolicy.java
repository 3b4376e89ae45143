package bitflex.precision.adapt;

import bitflex.nn.checkpoint.Checkpoint;
import bitflex.precision.LayerRegistry;
import bitflex.precision.LayerWeights;
import bitflex.precision.PrecisionDecision;
import bitflex.precision.PrecisionPolicy;
import bitflex.engine.fixed.FixedPointFormat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * AdaPT (Kummer et al., arXiv 2107.13490) as a {@link PrecisionPolicy}: per layer, gradient
 * diversity over an adaptive look-back window, KL-divergence push-down over the weights' histogram,
 * diversity push-up with strategy escalation, and a results buffer. See {@link AdaptRules} for the
 * formulas and {@link AdaptParameters} for the defaults.
 *
 * <p>Deliberate differences from the public AdaPT code (its faults listed in DESIGN.md):
 * <ul>
 * <li>the information loss is the textbook {@code D_KL(P || Q)} of the whole layer's histograms
 *     ({@link KlDivergence}), not a library loss with swapped arguments over the first output slice;</li>
 * <li>the FL search bisects at the midpoint ({@link Bisection}), instead of testing the lower bound;</li>
 * <li>an all-zero gradient is skipped rather than divided by its zero norm;</li>
 * <li>the cost model lives in the ledger and counts each convolution once.</li>
 * </ul>
 * The switch for a layer happens in {@link #afterStep} (on the updated weights) at the first step
 * where its window {@code n} reaches its look-back {@code lb}.
 */
public final class AdaptPolicy implements PrecisionPolicy {
    private final AdaptParameters params;
    private final LayerRegistry<AdaptLayerController> layers = new LayerRegistry<>("adapt");

    public AdaptPolicy(AdaptParameters params) {
        this.params = params;
    }

    public AdaptPolicy() {
        this(AdaptParameters.defaults());
    }

    public AdaptParameters parameters() {
        return params;
    }

    @Override
    public String name() {
        return "adapt";
    }

    @Override
    public FixedPointFormat register(String layer, float[] weights) {
        if (weights == null || weights.length == 0) {
            throw new IllegalArgumentException("adapt policy: layer " + layer + " has no weights");
        }
        AdaptLayerController c = new AdaptLayerController(layer, weights.length, params);
        layers.add(layer, weights, c);
        FixedPointFormat f = c.format();
        layers.log(new PrecisionDecision(0, layer, "adapt", "initial", f, f, Double.NaN, Double.NaN,
                c.lookBack(), c.resolution(), 0, c.strategy().label(), Double.NaN));
        return f;
    }

    /** False: this policy never reads the weights handed to {@link #afterBackward}. */
    @Override
    public boolean readsWeightsAfterBackward() {
        return false;
    }

    @Override
    public void afterBackward(long step, String layer, float[] weights, float[] gradients, double learningRate) {
        layers.get(layer).observeGradient(gradients);
    }

    @Override
    public List<PrecisionDecision> afterStep(long step, double loss, LayerWeights weights) {
        List<PrecisionDecision> made = new ArrayList<>();
        for (Map.Entry<String, AdaptLayerController> e : layers.all().entrySet()) {
            AdaptLayerController c = e.getValue();
            c.observeLoss(loss);
            if (c.switchDue()) {
                float[] w = LayerRegistry.weightsOf("adapt", weights, e.getKey(), c.size());
                PrecisionDecision d = c.decide(step, w, loss);
                layers.log(d);
                made.add(d);
            }
        }
        return made;
    }

    @Override
    public Checkpoint saveState() {
        Checkpoint c = new Checkpoint();
        layers.saveLog(c);
        for (Map.Entry<String, AdaptLayerController> e : layers.all().entrySet()) {
            e.getValue().saveState(c, "layer." + e.getKey() + ".");
        }
        return c;
    }

    @Override
    public void loadState(Checkpoint state) {
        layers.loadLog(state);
        for (Map.Entry<String, AdaptLayerController> e : layers.all().entrySet()) {
            e.getValue().loadState(state, "layer." + e.getKey() + ".");
        }
    }

    /** The controller of a layer, for inspection (look-back, resolution, strategy). */
    public AdaptLayerController controller(String layer) {
        return layers.get(layer);
    }

    @Override
    public FixedPointFormat format(String layer) {
        return layers.get(layer).format();
    }

    @Override
    public List<String> layers() {
        return layers.names();
    }

    @Override
    public List<PrecisionDecision> decisions() {
        return layers.decisions();
    }
}

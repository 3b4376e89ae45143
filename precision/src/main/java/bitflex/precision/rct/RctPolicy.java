package bitflex.precision.rct;

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
 * RCT / APT (Huang et al., arXiv 2103.14493 and 2012.12775) as a {@link PrecisionPolicy}: one
 * bitwidth per layer, moved one bit at a time by how large the applied updates are against the grid, with
 * {@code Tmin} as the single trade-off knob. Meant for INTEGER mode (no master copy), where an
 * update far below one grid step is lost unless the bitwidth grows. See {@link RctParameters}.
 */
public final class RctPolicy implements PrecisionPolicy {
    private final RctParameters params;
    private final LayerRegistry<RctLayerController> layers = new LayerRegistry<>("rct");

    public RctPolicy(RctParameters params) {
        this.params = params;
    }

    public RctPolicy() {
        this(RctParameters.defaults());
    }

    public RctParameters parameters() {
        return params;
    }

    @Override
    public String name() {
        return "rct";
    }

    @Override
    public FixedPointFormat register(String layer, float[] weights) {
        if (weights == null || weights.length == 0) {
            throw new IllegalArgumentException("rct policy: layer " + layer + " has no weights");
        }
        RctLayerController c = new RctLayerController(layer, weights, params);
        layers.add(layer, weights, c);
        layers.log(new PrecisionDecision(0, layer, "rct", "initial", c.format(), c.format(),
                Double.NaN, Double.NaN, -1, -1, 0, "", Double.NaN));
        return c.format();
    }

    /** False: this policy never reads the weights handed to {@link #afterBackward}. */
    @Override
    public boolean readsWeightsAfterBackward() {
        return false;
    }

    /** Only checks the layer is registered: RCT judges the applied update, see {@link #afterUpdate}. */
    @Override
    public void afterBackward(long step, String layer, float[] weights, float[] gradients, double learningRate) {
        layers.get(layer);
    }

    /**
     * Adds the step's applied update to the layer's {@code Gavg} window. DESIGN.md defines
     * {@code Gavg} on {@code |lr g|}, the update of plain SGD; the applied update is what lands on the
     * grid under momentum ({@code lr v}, about ten times {@code lr g} at 0.9) or any other optimizer.
     */
    @Override
    public void afterUpdate(long step, String layer, float[] direction, double scale) {
        layers.get(layer).observeUpdate(direction, scale);
    }

    @Override
    public List<PrecisionDecision> afterStep(long step, double loss, LayerWeights weights) {
        List<PrecisionDecision> made = new ArrayList<>();
        for (Map.Entry<String, RctLayerController> e : layers.all().entrySet()) {
            RctLayerController c = e.getValue();
            PrecisionDecision d = c.afterStep(step, LayerRegistry.weightsOf("rct", weights, e.getKey(), c.size()));
            if (d != null) {
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
        for (Map.Entry<String, RctLayerController> e : layers.all().entrySet()) {
            c.putLongs("layer." + e.getKey(), new int[] {RctLayerController.STATE_LENGTH}, e.getValue().state());
        }
        return c;
    }

    @Override
    public void loadState(Checkpoint state) {
        layers.loadLog(state);
        for (Map.Entry<String, RctLayerController> e : layers.all().entrySet()) {
            e.getValue().loadState(state.longs("layer." + e.getKey()));
        }
    }

    /** The controller of a layer, for inspection. */
    public RctLayerController controller(String layer) {
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

package bitflex.precision;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.nn.checkpoint.Checkpoint;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fixed formats per layer: the given format for named layers, a default for the rest (or an error
 * when there is no default). It never changes a format; its log holds one {@code initial} record per
 * layer so every run's log says what each layer used.
 */
public final class StaticPolicy implements PrecisionPolicy {
    private final Map<String, FixedPointFormat> given;
    private final FixedPointFormat fallback;
    private final LayerRegistry<FixedPointFormat> layers = new LayerRegistry<>("static");

    /**
     * @param formats  formats by layer name
     * @param fallback format of layers not in {@code formats}; null makes an unlisted layer an error
     */
    public StaticPolicy(Map<String, FixedPointFormat> formats, FixedPointFormat fallback) {
        this.given = new LinkedHashMap<>(formats);
        this.fallback = fallback;
    }

    /** Every layer in the same format. */
    public static StaticPolicy uniform(FixedPointFormat format) {
        return new StaticPolicy(Map.of(), format);
    }

    @Override
    public String name() {
        return "static";
    }

    @Override
    public FixedPointFormat register(String layer, float[] weights) {
        FixedPointFormat f = given.getOrDefault(layer, fallback);
        if (f == null) {
            throw new IllegalArgumentException("static policy: no format given for layer " + layer
                    + " and no default (given: " + given.keySet() + ")");
        }
        layers.add(layer, weights, f);
        layers.log(new PrecisionDecision(0, layer, "static", "initial", f, f,
                Double.NaN, Double.NaN, -1, -1, 0, "", Double.NaN));
        return f;
    }

    /** False: this policy never reads the weights handed to {@link #afterBackward}. */
    @Override
    public boolean readsWeightsAfterBackward() {
        return false;
    }

    @Override
    public void afterBackward(long step, String layer, float[] weights, float[] gradients, double learningRate) {
        layers.get(layer);
    }

    @Override
    public List<PrecisionDecision> afterStep(long step, double loss, LayerWeights weights) {
        return List.of();
    }

    @Override
    public FixedPointFormat format(String layer) {
        return layers.get(layer);
    }

    @Override
    public List<String> layers() {
        return layers.names();
    }

    @Override
    public List<PrecisionDecision> decisions() {
        return layers.decisions();
    }

    /** The formats never change, so the state is the layer list and the log (checked on load). */
    @Override
    public Checkpoint saveState() {
        Checkpoint c = new Checkpoint();
        layers.saveLog(c);
        return c;
    }

    @Override
    public void loadState(Checkpoint state) {
        layers.loadLog(state);
    }
}

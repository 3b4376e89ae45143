package bitflex.precision;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bookkeeping every policy shares: per-layer state by name in registration order, and the
 * decision log.
 *
 * @param <S> the policy's per-layer state
 */
public final class LayerRegistry<S> {
    private final String policy;
    private final Map<String, S> layers = new LinkedHashMap<>();
    private final List<PrecisionDecision> log = new ArrayList<>();

    public LayerRegistry(String policy) {
        this.policy = policy;
    }

    /** Adds a layer; rejects a blank or repeated name and empty weights. */
    public void add(String layer, float[] weights, S state) {
        if (layer == null || layer.isBlank()) {
            throw new IllegalArgumentException(policy + " policy: layer name is blank");
        }
        if (weights == null || weights.length == 0) {
            throw new IllegalArgumentException(policy + " policy: layer " + layer + " has no weights");
        }
        if (layers.containsKey(layer)) {
            throw new IllegalArgumentException(policy + " policy: layer " + layer + " is already registered");
        }
        layers.put(layer, state);
    }

    /** The state of a registered layer. */
    public S get(String layer) {
        S s = layers.get(layer);
        if (s == null) {
            throw new IllegalArgumentException(policy + " policy: unknown layer " + layer
                    + " (registered: " + layers.keySet() + ")");
        }
        return s;
    }

    /** Layer states in registration order. */
    public Map<String, S> all() {
        return Collections.unmodifiableMap(layers);
    }

    public List<String> names() {
        return List.copyOf(layers.keySet());
    }

    public void log(PrecisionDecision d) {
        log.add(d);
    }

    public List<PrecisionDecision> decisions() {
        return Collections.unmodifiableList(log);
    }

    /** The layer's weights from the trainer, checked for presence and length. */
    public static float[] weightsOf(String policy, LayerWeights source, String layer, int expected) {
        float[] w = source.weights(layer);
        if (w == null || w.length != expected) {
            throw new IllegalArgumentException(policy + " policy: weights of layer " + layer + " have "
                    + (w == null ? "no array" : w.length + " elements") + ", registered " + expected);
        }
        return w;
    }
}

package bitflex.precision;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.nn.checkpoint.Checkpoint;
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

    private static final int LOG_COLUMNS = 13;

    /**
     * Writes the layer names and the decision log into {@code c}: the numbers of each decision as
     * one {@code [n, 13]} long array (doubles as raw bits, so they come back exactly) and its
     * strings as one tab- and newline-separated text.
     */
    public void saveLog(Checkpoint c) {
        c.putString("policy", policy);
        c.putString("layers", String.join("\n", layers.keySet()));
        long[] rows = new long[log.size() * LOG_COLUMNS];
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < log.size(); i++) {
            PrecisionDecision d = log.get(i);
            long[] r = {d.step(), d.before().wordLength(), d.before().fracLength(), d.before().signed() ? 1 : 0,
                d.after().wordLength(), d.after().fracLength(), d.after().signed() ? 1 : 0, d.lookBack(), d.resolution(),
                d.pushUpSteps(), Double.doubleToRawLongBits(d.klDivergence()),
                Double.doubleToRawLongBits(d.gradientDiversity()), Double.doubleToRawLongBits(d.gavg())};
            System.arraycopy(r, 0, rows, i * LOG_COLUMNS, LOG_COLUMNS);
            text.append(d.layer()).append('\t').append(d.policy()).append('\t').append(d.kind()).append('\t')
                    .append(d.strategy()).append('\n');
        }
        c.putLongs("log.numbers", new int[] {log.size(), LOG_COLUMNS}, rows);
        c.putString("log.text", text.toString());
    }

    /** Checks that {@code c} was saved by this policy over the same layers and replaces the log with its. */
    public void loadLog(Checkpoint c) {
        if (!c.has("policy") || !policy.equals(c.string("policy"))) {
            throw new IllegalArgumentException(policy + " policy: the saved state is of the "
                    + (c.has("policy") ? c.string("policy") : "unknown") + " policy");
        }
        String names = String.join("\n", layers.keySet());
        if (!names.equals(c.string("layers"))) {
            throw new IllegalArgumentException(policy + " policy: the saved state is for layers ["
                    + c.string("layers").replace('\n', ',') + "], this policy has " + layers.keySet());
        }
        long[] rows = c.longs("log.numbers");
        String[] lines = c.string("log.text").isEmpty() ? new String[0] : c.string("log.text").split("\n", -1);
        int n = rows.length / LOG_COLUMNS;
        if (rows.length % LOG_COLUMNS != 0 || lines.length != n + 1 && !(n == 0 && lines.length == 0)) {
            throw new IllegalArgumentException(policy + " policy: the saved decision log is inconsistent ("
                    + rows.length + " numbers, " + lines.length + " lines)");
        }
        log.clear();
        for (int i = 0; i < n; i++) {
            String[] t = lines[i].split("\t", -1);
            int o = i * LOG_COLUMNS;
            log.add(new PrecisionDecision(rows[o], t[0], t[1], t[2],
                    new FixedPointFormat((int) rows[o + 1], (int) rows[o + 2], rows[o + 3] != 0),
                    new FixedPointFormat((int) rows[o + 4], (int) rows[o + 5], rows[o + 6] != 0),
                    Double.longBitsToDouble(rows[o + 10]), Double.longBitsToDouble(rows[o + 11]), (int) rows[o + 7],
                    (int) rows[o + 8], (int) rows[o + 9], t[3], Double.longBitsToDouble(rows[o + 12])));
        }
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

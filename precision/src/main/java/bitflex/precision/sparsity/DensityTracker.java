package bitflex.precision.sparsity;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-layer density over training: the latest value per layer (what the ledger weights bit-MACs
 * with) and the full history of observations for reports.
 */
public final class DensityTracker {
    /** One observation: at {@code step}, {@code layer} had {@code zeros} exact zeros of {@code count}. */
    public record Sample(long step, String layer, long zeros, long count, double density) {}

    private final Map<String, Sample> latest = new LinkedHashMap<>();
    private final List<Sample> history = new ArrayList<>();

    /** Records a layer's zero count at a step and returns the sample. */
    public Sample record(long step, String layer, long zeros, long count) {
        Sample s = new Sample(step, layer, zeros, count, Density.of(zeros, count));
        latest.put(layer, s);
        history.add(s);
        return s;
    }

    public Sample record(long step, String layer, byte[] codes) { return record(step, layer, Density.zeros(codes), codes.length); }
    public Sample record(long step, String layer, short[] codes) { return record(step, layer, Density.zeros(codes), codes.length); }
    public Sample record(long step, String layer, int[] codes) { return record(step, layer, Density.zeros(codes), codes.length); }
    public Sample record(long step, String layer, float[] values) { return record(step, layer, Density.zeros(values), values.length); }

    /** Latest density of a layer; 1 (dense) if it was never observed. */
    public double density(String layer) {
        Sample s = latest.get(layer);
        return s == null ? 1.0 : s.density();
    }

    /** Density of all observed layers together (latest samples, weighted by size). */
    public double overall() {
        long z = 0;
        long n = 0;
        for (Sample s : latest.values()) {
            z += s.zeros();
            n += s.count();
        }
        return Density.of(z, n);
    }

    public List<Sample> history() {
        return Collections.unmodifiableList(history);
    }
}

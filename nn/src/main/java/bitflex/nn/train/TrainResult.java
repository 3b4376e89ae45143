package bitflex.nn.train;

import java.util.List;

/**
 * The outcome of {@link Trainer#fit}.
 *
 * @param epochs  all completed epochs, including those before a resume
 * @param stopped true when a stop request ended the run before the configured epochs
 */
public record TrainResult(List<EpochResult> epochs, boolean stopped) {
    /** The last completed epoch, or null. */
    public EpochResult last() {
        return epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
    }

    /** Training samples over training seconds, across all completed epochs. */
    public double samplesPerSecond() {
        long s = 0;
        double t = 0;
        for (EpochResult e : epochs) {
            s += e.samples();
            t += e.trainSeconds();
        }
        return t > 0 ? s / t : Double.NaN;
    }

    /** Training seconds across all completed epochs. */
    public double trainSeconds() {
        return epochs.stream().mapToDouble(EpochResult::trainSeconds).sum();
    }
}

package bitflex.nn.optim;

/**
 * A learning-rate schedule: the rate to use at optimizer step {@code step} (0-based), given the
 * base rate. Schedules are pure functions of the step, so a resumed run gets the same rates.
 */
@FunctionalInterface
public interface LrSchedule {
    /** The learning rate for step {@code step}. */
    double lr(double baseLr, long step);

    /** The base rate at every step. */
    static LrSchedule constant() {
        return (base, step) -> base;
    }

    /** {@code base * gamma^(step / stepSize)}: drops by {@code gamma} every {@code stepSize} steps. */
    static LrSchedule step(long stepSize, double gamma) {
        if (stepSize < 1 || !(gamma > 0)) {
            throw new IllegalArgumentException("LrSchedule.step: stepSize must be >= 1 and gamma > 0, got " + stepSize + ", " + gamma);
        }
        return (base, step) -> base * Math.pow(gamma, Math.floorDiv(step, stepSize));
    }

    /**
     * Cosine annealing from the base rate down to {@code minLr} over {@code totalSteps} steps, then
     * {@code minLr}: {@code min + (base - min) * (1 + cos(pi * step / total)) / 2}.
     */
    static LrSchedule cosine(long totalSteps, double minLr) {
        if (totalSteps < 1 || minLr < 0) {
            throw new IllegalArgumentException("LrSchedule.cosine: totalSteps must be >= 1 and minLr >= 0, got " + totalSteps + ", " + minLr);
        }
        return (base, step) -> step >= totalSteps ? minLr
                : minLr + (base - minLr) * (1 + Math.cos(Math.PI * step / totalSteps)) / 2;
    }

    /**
     * Linear warm-up: the rate rises from {@code base / warmupSteps} to the base over the first
     * {@code warmupSteps} steps, then follows {@code after} (whose step count starts at 0 when the
     * warm-up ends).
     */
    static LrSchedule warmup(long warmupSteps, LrSchedule after) {
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("LrSchedule.warmup: warmupSteps must be >= 0, got " + warmupSteps);
        }
        return (base, step) -> step < warmupSteps ? base * (step + 1) / warmupSteps : after.lr(base, step - warmupSteps);
    }
}

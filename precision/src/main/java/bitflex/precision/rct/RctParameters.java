package bitflex.precision.rct;

/**
 * Knobs of the RCT/APT policy. The papers do not publish their thresholds; every default here is
 * ours, chosen as follows.
 *
 * <table>
 * <caption>Defaults</caption>
 * <tr><th>parameter</th><th>default</th><th>why</th></tr>
 * <tr><td>bitwidth [bmin, bmax]</td><td>[4, 16]</td><td>below 4 bits weights of trained layers collapse; 16 is the widest integer GEMM operand</td></tr>
 * <tr><td>initialBits</td><td>8</td><td>the QAT baseline's width</td></tr>
 * <tr><td>window K</td><td>50 steps</td><td>long enough to average out mini-batch noise, short enough to react within an epoch of Fashion-MNIST (938 steps at batch 64)</td></tr>
 * <tr><td>Tmin</td><td>0.1 grid steps</td><td>the trade-off knob: an average update under a tenth of a step means most updates vanish in rounding (stochastic rounding keeps them only in expectation)</td></tr>
 * <tr><td>Tmax</td><td>8 x Tmin</td><td>one bit doubles or halves Gavg, so Tmax must exceed 2 Tmin to avoid flip-flopping; 8x leaves two bits of hysteresis</td></tr>
 * </table>
 *
 * <p>{@code Tmin} is the single user-facing trade-off knob (APT's application-specific
 * hyper-parameter): raise it for accuracy, lower it for energy. {@code Tmax} follows it unless set.
 */
public record RctParameters(int minBits, int maxBits, int initialBits, int window,
                            double minUpdate, double maxUpdate) {

    /** Default ratio Tmax / Tmin. */
    public static final double DEFAULT_HYSTERESIS = 8.0;

    public RctParameters {
        check(minBits >= 2 && minBits <= 32, "minBits", "must be in [2, 32]", minBits);
        check(maxBits >= minBits && maxBits <= 32, "maxBits", "must be in [minBits, 32]", maxBits);
        check(initialBits >= minBits && initialBits <= maxBits, "initialBits", "must be in [minBits, maxBits]", initialBits);
        check(window >= 1, "window", "must be at least 1", window);
        check(minUpdate > 0 && Double.isFinite(minUpdate), "minUpdate (Tmin)", "must be finite and positive", minUpdate);
        check(maxUpdate > 2 * minUpdate && Double.isFinite(maxUpdate), "maxUpdate (Tmax)",
                "must be finite and above 2 x Tmin = " + 2 * minUpdate, maxUpdate);
    }

    private static void check(boolean ok, String field, String rule, Object value) {
        if (!ok) {
            throw new IllegalArgumentException("RctParameters." + field + " " + rule + ", got " + value);
        }
    }

    public static RctParameters defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder; Tmax defaults to {@value #DEFAULT_HYSTERESIS} x Tmin. */
    public static final class Builder {
        private int minBits = 4;
        private int maxBits = 16;
        private int initialBits = 8;
        private int window = 50;
        private double minUpdate = 0.1;
        private Double maxUpdate;

        private Builder() {}

        public Builder bits(int min, int max) { minBits = min; maxBits = max; return this; }
        public Builder initialBits(int v) { initialBits = v; return this; }
        public Builder window(int v) { window = v; return this; }
        /** Tmin, the trade-off knob. */
        public Builder minUpdate(double v) { minUpdate = v; return this; }
        /** Tmax; unset, it is {@value #DEFAULT_HYSTERESIS} x Tmin. */
        public Builder maxUpdate(double v) { maxUpdate = v; return this; }

        public RctParameters build() {
            return new RctParameters(minBits, maxBits, initialBits, window, minUpdate,
                    maxUpdate == null ? DEFAULT_HYSTERESIS * minUpdate : maxUpdate);
        }
    }
}

package bitflex.precision.adapt;

import bitflex.engine.fixed.FixedPointFormat;

/**
 * Every knob of the AdaPT policy, with the defaults below ({@link #defaults()}, or
 * {@link #builder()} to change some).
 *
 * <table>
 * <caption>Defaults and where they come from</caption>
 * <tr><th>parameter</th><th>default</th><th>source</th></tr>
 * <tr><td>initialFormat</td><td>WL 8, FL 4</td><td>DESIGN.md / the AdaPT paper</td></tr>
 * <tr><td>resultsBuffer RB</td><td>4</td><td>DESIGN.md (4 or 8; 8 would force WL &ge; 12 at start)</td></tr>
 * <tr><td>minFracLength FLmin</td><td>0</td><td>ours: a weight grid coarser than 1 is never lossless for trained weights</td></tr>
 * <tr><td>lookBack [LBmin, LBmax]</td><td>[25, 100]</td><td>DESIGN.md; public code [10, 100]</td></tr>
 * <tr><td>initialLookBack</td><td>LBmin</td><td>ours: the first decision comes early</td></tr>
 * <tr><td>lookBackMomentum m</td><td>0.33</td><td>public AdaPT code</td></tr>
 * <tr><td>resolution [Rmin, Rmax]</td><td>[50, 150]</td><td>DESIGN.md; public code [1, 100]</td></tr>
 * <tr><td>initialResolution</td><td>Rmin</td><td>ours</td></tr>
 * <tr><td>tau</td><td>0 (lossless)</td><td>the AdaPT paper; the KL is exactly 0 for equal histograms, so no tolerance is needed</td></tr>
 * <tr><td>epsilon</td><td>1e-10</td><td>ours: smoothing well below 1/N for any layer under 1e9 weights</td></tr>
 * <tr><td>initialStrategy</td><td>MIN</td><td>public AdaPT code</td></tr>
 * </table>
 */
public record AdaptParameters(FixedPointFormat initialFormat, int resultsBuffer, int minFracLength,
                              int minLookBack, int maxLookBack, int initialLookBack, double lookBackMomentum,
                              int minResolution, int maxResolution, int initialResolution,
                              double tau, double epsilon, PushUpStrategy initialStrategy) {

    public AdaptParameters {
        check(initialFormat != null, "initialFormat", "must be given", null);
        check(resultsBuffer >= 0 && resultsBuffer < FixedPointFormat.MAX_WORD_LENGTH, "resultsBuffer",
                "must be in [0, 31]", resultsBuffer);
        check(minFracLength >= FixedPointFormat.MIN_FRAC_LENGTH && minFracLength <= FixedPointFormat.MAX_WORD_LENGTH - resultsBuffer,
                "minFracLength", "must be in [" + FixedPointFormat.MIN_FRAC_LENGTH + ", 32 - resultsBuffer]", minFracLength);
        check(initialFormat.fracLength() >= minFracLength, "initialFormat",
                "must have FL >= minFracLength (" + minFracLength + ")", initialFormat);
        check(minLookBack >= 1, "minLookBack", "must be at least 1", minLookBack);
        check(maxLookBack >= minLookBack, "maxLookBack", "must be at least minLookBack (" + minLookBack + ")", maxLookBack);
        check(initialLookBack >= minLookBack && initialLookBack <= maxLookBack, "initialLookBack",
                "must be in [minLookBack, maxLookBack]", initialLookBack);
        check(lookBackMomentum >= 0 && lookBackMomentum <= 1, "lookBackMomentum", "must be in [0, 1]", lookBackMomentum);
        check(minResolution >= 2, "minResolution", "must be at least 2", minResolution);
        check(maxResolution >= minResolution, "maxResolution", "must be at least minResolution (" + minResolution + ")", maxResolution);
        check(initialResolution >= minResolution && initialResolution <= maxResolution, "initialResolution",
                "must be in [minResolution, maxResolution]", initialResolution);
        check(tau >= 0 && Double.isFinite(tau), "tau", "must be finite and non-negative", tau);
        check(epsilon > 0 && Double.isFinite(epsilon), "epsilon", "must be finite and positive", epsilon);
        check(initialStrategy != null, "initialStrategy", "must be given", null);
    }

    private static void check(boolean ok, String field, String rule, Object value) {
        if (!ok) {
            throw new IllegalArgumentException("AdaptParameters." + field + " " + rule + ", got " + value);
        }
    }

    /** The defaults in the table above. */
    public static AdaptParameters defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this record's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.initialFormat = initialFormat;
        b.resultsBuffer = resultsBuffer;
        b.minFracLength = minFracLength;
        b.minLookBack = minLookBack;
        b.maxLookBack = maxLookBack;
        b.initialLookBack = initialLookBack;
        b.lookBackMomentum = lookBackMomentum;
        b.minResolution = minResolution;
        b.maxResolution = maxResolution;
        b.initialResolution = initialResolution;
        b.tau = tau;
        b.epsilon = epsilon;
        b.initialStrategy = initialStrategy;
        return b;
    }

    /** Mutable builder; unset initial look-back and resolution follow the minima. */
    public static final class Builder {
        private FixedPointFormat initialFormat = FixedPointFormat.signed(8, 4);
        private int resultsBuffer = 4;
        private int minFracLength = 0;
        private int minLookBack = 25;
        private int maxLookBack = 100;
        private Integer initialLookBack;
        private double lookBackMomentum = 0.33;
        private int minResolution = 50;
        private int maxResolution = 150;
        private Integer initialResolution;
        private double tau = 0.0;
        private double epsilon = 1e-10;
        private PushUpStrategy initialStrategy = PushUpStrategy.MIN;

        private Builder() {}

        public Builder initialFormat(FixedPointFormat v) { initialFormat = v; return this; }
        public Builder resultsBuffer(int v) { resultsBuffer = v; return this; }
        public Builder minFracLength(int v) { minFracLength = v; return this; }
        public Builder lookBack(int min, int max) { minLookBack = min; maxLookBack = max; return this; }
        public Builder initialLookBack(int v) { initialLookBack = v; return this; }
        public Builder lookBackMomentum(double v) { lookBackMomentum = v; return this; }
        public Builder resolution(int min, int max) { minResolution = min; maxResolution = max; return this; }
        public Builder initialResolution(int v) { initialResolution = v; return this; }
        public Builder tau(double v) { tau = v; return this; }
        public Builder epsilon(double v) { epsilon = v; return this; }
        public Builder initialStrategy(PushUpStrategy v) { initialStrategy = v; return this; }

        public AdaptParameters build() {
            return new AdaptParameters(initialFormat, resultsBuffer, minFracLength,
                    minLookBack, maxLookBack, initialLookBack == null ? minLookBack : initialLookBack,
                    lookBackMomentum, minResolution, maxResolution,
                    initialResolution == null ? minResolution : initialResolution,
                    tau, epsilon, initialStrategy);
        }
    }
}

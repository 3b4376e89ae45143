package bitflex.bench.cli;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.precision.adapt.AdaptParameters;
import bitflex.precision.adapt.PushUpStrategy;
import bitflex.precision.rct.RctParameters;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Every AdaPT and RCT parameter as a {@code train} option, with the documented defaults of
 * {@link AdaptParameters} and {@link RctParameters} (a test keeps the help text and those defaults
 * in step). Unset options keep the defaults; invalid values are refused naming the option.
 */
final class PolicyOptions {
    @Option(names = "--adapt-wl", description = "adapt: initial word length of every layer (default: 8)")
    Integer adaptWordLength;
    @Option(names = "--adapt-fl", description = "adapt: initial fractional length (default: 4)")
    Integer adaptFracLength;
    @Option(names = "--adapt-rb", description = "adapt: results buffer RB, keeps WL >= FL + RB (default: 4)")
    Integer adaptResultsBuffer;
    @Option(names = "--adapt-fl-min", description = "adapt: smallest fractional length FLmin of the push-down search (default: 0)")
    Integer adaptMinFracLength;
    @Option(names = "--adapt-lb-min", description = "adapt: minimum look-back LBmin in steps (default: 25)")
    Integer adaptMinLookBack;
    @Option(names = "--adapt-lb-max", description = "adapt: maximum look-back LBmax in steps (default: 100)")
    Integer adaptMaxLookBack;
    @Option(names = "--adapt-lb-init", description = "adapt: initial look-back (default: LBmin)")
    Integer adaptInitialLookBack;
    @Option(names = "--adapt-momentum", description = "adapt: look-back momentum m in [0, 1] (default: 0.33)")
    Double adaptMomentum;
    @Option(names = "--adapt-res-min", description = "adapt: minimum histogram resolution Rmin in bins (default: 50)")
    Integer adaptMinResolution;
    @Option(names = "--adapt-res-max", description = "adapt: maximum histogram resolution Rmax in bins (default: 150)")
    Integer adaptMaxResolution;
    @Option(names = "--adapt-res-init", description = "adapt: initial resolution (default: Rmin)")
    Integer adaptInitialResolution;
    @Option(names = "--adapt-tau", description = "adapt: information-loss tolerance tau of the push-down (default: 0, lossless)")
    Double adaptTau;
    @Option(names = "--adapt-epsilon", description = "adapt: histogram smoothing epsilon of the KL divergence (default: 1e-10)")
    Double adaptEpsilon;
    @Option(names = "--adapt-strategy", description = "adapt: initial push-up strategy: min, mean or max (default: min)")
    String adaptStrategy;

    @Option(names = "--rct-bmin", description = "rct: smallest bitwidth bmin (default: 4)")
    Integer rctMinBits;
    @Option(names = "--rct-bmax", description = "rct: largest bitwidth bmax (default: 16)")
    Integer rctMaxBits;
    @Option(names = "--rct-window", description = "rct: window K in steps between bitwidth decisions (default: 50)")
    Integer rctWindow;
    @Option(names = "--rct-tmin", description = "rct: Tmin, the trade-off knob: widen when the mean update is below "
            + "this many grid steps (default: 0.1)")
    Double rctMinUpdate;
    @Option(names = "--rct-tmax", description = "rct: Tmax: narrow when the mean update is above this many grid steps; "
            + "must exceed 2 x Tmin (default: 8 x Tmin)")
    Double rctMaxUpdate;

    /** Record field (as named in the parameters' error messages) to option, to name the option in errors. */
    private static final Map<String, String> ADAPT_FLAGS = new LinkedHashMap<>();
    private static final Map<String, String> RCT_FLAGS = new LinkedHashMap<>();

    static {
        ADAPT_FLAGS.put("initialFormat", "--adapt-wl/--adapt-fl");
        ADAPT_FLAGS.put("resultsBuffer", "--adapt-rb");
        ADAPT_FLAGS.put("minFracLength", "--adapt-fl-min");
        ADAPT_FLAGS.put("minLookBack", "--adapt-lb-min");
        ADAPT_FLAGS.put("maxLookBack", "--adapt-lb-max");
        ADAPT_FLAGS.put("initialLookBack", "--adapt-lb-init");
        ADAPT_FLAGS.put("lookBackMomentum", "--adapt-momentum");
        ADAPT_FLAGS.put("minResolution", "--adapt-res-min");
        ADAPT_FLAGS.put("maxResolution", "--adapt-res-max");
        ADAPT_FLAGS.put("initialResolution", "--adapt-res-init");
        ADAPT_FLAGS.put("tau", "--adapt-tau");
        ADAPT_FLAGS.put("epsilon", "--adapt-epsilon");
        ADAPT_FLAGS.put("initialStrategy", "--adapt-strategy");
        RCT_FLAGS.put("minBits", "--rct-bmin");
        RCT_FLAGS.put("maxBits", "--rct-bmax");
        RCT_FLAGS.put("initialBits", "--bits");
        RCT_FLAGS.put("window", "--rct-window");
        RCT_FLAGS.put("minUpdate (Tmin)", "--rct-tmin");
        RCT_FLAGS.put("maxUpdate (Tmax)", "--rct-tmax");
    }

    boolean anyAdapt() {
        return adaptWordLength != null || adaptFracLength != null || adaptResultsBuffer != null || adaptMinFracLength != null
                || adaptMinLookBack != null || adaptMaxLookBack != null || adaptInitialLookBack != null || adaptMomentum != null
                || adaptMinResolution != null || adaptMaxResolution != null || adaptInitialResolution != null
                || adaptTau != null || adaptEpsilon != null || adaptStrategy != null;
    }

    boolean anyRct() {
        return rctMinBits != null || rctMaxBits != null || rctWindow != null || rctMinUpdate != null || rctMaxUpdate != null;
    }

    /** The AdaPT parameters: the defaults with the given options applied. */
    AdaptParameters adapt() {
        AdaptParameters d = AdaptParameters.defaults();
        AdaptParameters.Builder b = d.toBuilder();
        int wl = adaptWordLength != null ? adaptWordLength : d.initialFormat().wordLength();
        int fl = adaptFracLength != null ? adaptFracLength : d.initialFormat().fracLength();
        if (wl < 1 || wl > FixedPointFormat.MAX_WORD_LENGTH) {
            throw new IllegalArgumentException("--adapt-wl must be in [1, 32], got " + wl);
        }
        try {
            b.initialFormat(FixedPointFormat.signed(wl, fl));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--adapt-wl/--adapt-fl: " + e.getMessage());
        }
        if (adaptResultsBuffer != null) b.resultsBuffer(adaptResultsBuffer);
        if (adaptMinFracLength != null) b.minFracLength(adaptMinFracLength);
        int lbMin = adaptMinLookBack != null ? adaptMinLookBack : d.minLookBack();
        int lbMax = adaptMaxLookBack != null ? adaptMaxLookBack : d.maxLookBack();
        b.lookBack(lbMin, lbMax);
        b.initialLookBack(adaptInitialLookBack != null ? adaptInitialLookBack : lbMin);
        if (adaptMomentum != null) b.lookBackMomentum(adaptMomentum);
        int rMin = adaptMinResolution != null ? adaptMinResolution : d.minResolution();
        int rMax = adaptMaxResolution != null ? adaptMaxResolution : d.maxResolution();
        b.resolution(rMin, rMax);
        b.initialResolution(adaptInitialResolution != null ? adaptInitialResolution : rMin);
        if (adaptTau != null) b.tau(adaptTau);
        if (adaptEpsilon != null) b.epsilon(adaptEpsilon);
        if (adaptStrategy != null) {
            try {
                b.initialStrategy(PushUpStrategy.valueOf(adaptStrategy.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--adapt-strategy must be min, mean or max, got '" + adaptStrategy + "'");
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw named(e, "AdaptParameters.", ADAPT_FLAGS);
        }
    }

    /** The RCT parameters: the defaults with the given options applied, starting at {@code bits}. */
    RctParameters rct(int bits) {
        RctParameters d = RctParameters.defaults();
        RctParameters.Builder b = RctParameters.builder();
        b.bits(rctMinBits != null ? rctMinBits : d.minBits(), rctMaxBits != null ? rctMaxBits : d.maxBits());
        b.initialBits(bits);
        if (rctWindow != null) b.window(rctWindow);
        if (rctMinUpdate != null) b.minUpdate(rctMinUpdate);
        if (rctMaxUpdate != null) b.maxUpdate(rctMaxUpdate);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw named(e, "RctParameters.", RCT_FLAGS);
        }
    }

    /** Rewrites "Params.field rule, got v" as "--flag: rule, got v". */
    private static IllegalArgumentException named(IllegalArgumentException e, String prefix, Map<String, String> flags) {
        String m = e.getMessage();
        if (m != null && m.startsWith(prefix)) {
            String rest = m.substring(prefix.length());
            for (Map.Entry<String, String> f : flags.entrySet()) {
                if (rest.startsWith(f.getKey() + " ")) {
                    return new IllegalArgumentException(f.getValue() + ": " + rest.substring(f.getKey().length() + 1));
                }
            }
        }
        return e;
    }

    /** The options of one policy ({@code adapt-} or {@code rct-}) that were given, by name without dashes. */
    Map<String, String> given(String policy) {
        Map<String, String> m = new LinkedHashMap<>();
        for (java.lang.reflect.Field f : PolicyOptions.class.getDeclaredFields()) {
            Option o = f.getAnnotation(Option.class);
            if (o == null || !o.names()[0].startsWith("--" + policy + "-")) {
                continue;
            }
            try {
                Object v = f.get(this);
                if (v != null) {
                    m.put(o.names()[0].substring(2), v.toString());
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return m;
    }

    /**
     * On resume: options not given take the checkpoint's value ({@code meta.opt.<name>}); given ones
     * must equal it, and an option the checkpoint's run did not set may not be added.
     */
    void resumeFrom(bitflex.nn.checkpoint.Checkpoint saved) {
        for (java.lang.reflect.Field f : PolicyOptions.class.getDeclaredFields()) {
            Option o = f.getAnnotation(Option.class);
            if (o == null) {
                continue;
            }
            String key = "meta.opt." + o.names()[0].substring(2);
            try {
                Object v = f.get(this);
                String stored = saved.has(key) ? saved.string(key) : null;
                if (v == null && stored != null) {
                    f.set(this, f.getType() == Integer.class ? Integer.valueOf(stored)
                            : f.getType() == Double.class ? Double.valueOf(stored) : stored);
                } else if (v != null && !v.toString().equals(stored)) {
                    throw new IllegalArgumentException(o.names()[0] + " " + v + " differs from the checkpoint's "
                            + (stored == null ? "default" : stored) + "; a resumed run keeps its settings");
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}

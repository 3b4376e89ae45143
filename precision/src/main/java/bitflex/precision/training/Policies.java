package bitflex.precision.training;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.tensor.Tensor;
import bitflex.nn.Module;
import bitflex.precision.PrecisionPolicy;
import bitflex.precision.StaticPolicy;
import bitflex.precision.adapt.AdaptParameters;
import bitflex.precision.adapt.AdaptPolicy;
import bitflex.precision.format.RangeFormat;
import bitflex.precision.rct.RctParameters;
import bitflex.precision.rct.RctPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds a {@link PrecisionPolicy} by its CLI name for a model, with the documented defaults. */
public final class Policies {
    /** The policy names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("static", "adapt", "rct");

    private Policies() {}

    /**
     * A policy for {@code model}'s weights (parameters with 2 or more dimensions).
     * <ul>
     *   <li>{@code static}: word length {@code bits} for every weight, FL from the weight's initial
     *       range ({@link RangeFormat#forMaxAbs}); never changes.</li>
     *   <li>{@code adapt}: {@link AdaptPolicy} with its defaults (starts at WL 8, FL 4; {@code bits}
     *       is not used).</li>
     *   <li>{@code rct}: {@link RctPolicy} with its defaults, starting at {@code bits}, which must lie
     *       in its [bmin, bmax] = [4, 16].</li>
     * </ul>
     */
    public static PrecisionPolicy create(String name, int bits, Module model) {
        return create(name, bits, model, AdaptParameters.defaults(), RctParameters.defaults());
    }

    /**
     * As {@link #create(String, int, Module)}, with the AdaPT and RCT parameters to use (the RCT
     * initial bitwidth is replaced by {@code bits}).
     */
    public static PrecisionPolicy create(String name, int bits, Module model, AdaptParameters adapt, RctParameters rct) {
        if (bits < 2 || bits > FixedPointFormat.MAX_WORD_LENGTH) {
            throw new IllegalArgumentException("--bits must be in [2, 32], got " + bits);
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "static" -> {
                Map<String, FixedPointFormat> formats = new LinkedHashMap<>();
                for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
                    if (e.getValue().dim() >= 2) {
                        formats.put(e.getKey(), RangeFormat.forMaxAbs(bits, RangeFormat.maxAbs(e.getKey(), e.getValue().data())));
                    }
                }
                yield new StaticPolicy(formats, null);
            }
            case "adapt" -> new AdaptPolicy(adapt);
            case "rct" -> {
                if (bits < rct.minBits() || bits > rct.maxBits()) {
                    throw new IllegalArgumentException("--bits for the rct policy must be in [" + rct.minBits() + ", "
                            + rct.maxBits() + "], got " + bits);
                }
                yield new RctPolicy(new RctParameters(rct.minBits(), rct.maxBits(), bits, rct.window(), rct.minUpdate(),
                        rct.maxUpdate()));
            }
            default -> throw new IllegalArgumentException("--policy must be one of " + String.join(", ", NAMES) + ", got '"
                    + name + "'");
        };
    }
}

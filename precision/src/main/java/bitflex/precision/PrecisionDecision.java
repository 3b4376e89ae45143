package bitflex.precision;

import bitflex.engine.fixed.FixedPointFormat;

/**
 * One logged decision of a precision policy about one layer: the format before and after and the
 * signals it was taken on. Signals a policy does not measure are {@code NaN} (doubles) or
 * {@code -1} (ints), so the record has one shape for every policy and serialises flatly.
 *
 * @param step            optimizer step the decision was taken at (the trainer's step counter)
 * @param layer           layer name as registered
 * @param policy          policy name: {@code static}, {@code adapt} or {@code rct}
 * @param kind            what happened: {@code initial} (registration); AdaPT {@code switch} (format
 *                        changed) or {@code keep} (window closed, format kept); RCT {@code widen},
 *                        {@code narrow} or {@code keep}
 * @param before          format before the decision
 * @param after           format after the decision
 * @param klDivergence    AdaPT: information loss D_KL(P||Q) of the chosen format (NaN otherwise)
 * @param gradientDiversity AdaPT: gradient diversity n / ||S|| over the window (NaN otherwise)
 * @param lookBack        AdaPT: look-back lb in force (-1 otherwise)
 * @param resolution      AdaPT: histogram bins R in force (-1 otherwise)
 * @param pushUpSteps     AdaPT: the push-up step s applied to FL (0 when no push-up)
 * @param strategy        AdaPT: push-up strategy in force ({@code min}, {@code mean}, {@code max}) or empty
 * @param gavg            RCT: mean update size in grid steps over the window (NaN otherwise)
 */
public record PrecisionDecision(long step, String layer, String policy, String kind,
                                FixedPointFormat before, FixedPointFormat after,
                                double klDivergence, double gradientDiversity, int lookBack,
                                int resolution, int pushUpSteps, String strategy, double gavg) {

    /** True when the decision changed the format. */
    public boolean changed() {
        return !before.equals(after);
    }
}

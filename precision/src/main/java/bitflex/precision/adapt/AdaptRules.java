package bitflex.precision.adapt;

import bitflex.engine.fixed.FixedPointFormat;

/**
 * The AdaPT update rules as pure functions (DESIGN.md section 5), so each can be tested on its own.
 * {@link AdaptLayerController} strings them together.
 */
public final class AdaptRules {
    private AdaptRules() {}

    /** Largest fractional length push-up may reach before the results buffer is applied. */
    static final int PUSH_UP_CEILING = 32;
    /**
     * {@code s1 = ceil(1/L^2)} is unbounded as L falls to 0; it is capped here. Any FL >= -64 plus
     * half the cap (the MEAN of the cap and s2 = 0) is still past the ceiling of 32, so the cap never
     * changes a resulting format, only the logged step.
     */
    static final int STEP_CAP = 256;

    /**
     * Step 3: {@code lb_new = ceil(clamp(LBmax / GD, LBmin, LBmax))},
     * {@code lb = ceil(m lb_new + (1 - m) lb)}, kept in {@code [LBmin, LBmax]} (a convex combination
     * of values in range can round a hair above LBmax before the ceiling).
     *
     * <p>Kept exactly as specified, with a consequence worth knowing: the ceiling rounds every
     * update up, so from above {@code lb} settles at the first value with
     * {@code m (lb - LBmin) < 1}, that is within {@code ceil(1/m) - 1} of LBmin, and reaches LBmin
     * itself only when {@code 1/m} is an integer or {@code m = 1} (default m = 0.33: it stops at
     * LBmin + 3). Since the resolution shrinks only at {@code lb == LBmin}, with such an m it can
     * grow but never shrink. It reaches LBmax from below without trouble.
     */
    public static int nextLookBack(int lookBack, double diversity, AdaptParameters p) {
        double target = Double.isNaN(diversity) ? p.maxLookBack()
                : Math.min(Math.max(p.maxLookBack() / diversity, p.minLookBack()), p.maxLookBack());
        int lbNew = (int) Math.ceil(target);
        double mixed = p.lookBackMomentum() * lbNew + (1.0 - p.lookBackMomentum()) * lookBack;
        int next = (int) Math.ceil(mixed);
        return Math.min(Math.max(next, p.minLookBack()), p.maxLookBack());
    }

    /** Step 4: one more bin when the look-back is at its maximum, one fewer at its minimum, clamped. */
    public static int nextResolution(int resolution, int lookBack, AdaptParameters p) {
        int r = resolution;
        if (lookBack == p.maxLookBack()) {
            r++;
        }
        if (lookBack == p.minLookBack()) {
            r--;
        }
        return Math.min(Math.max(r, p.minResolution()), p.maxResolution());
    }

    /**
     * Push-down: the smallest FL in {@code [FLmin, FL]} (word length fixed) whose information loss is
     * at most tau, then the smallest WL in {@code [max(FL + RB, 1), WL]} (the new FL fixed) whose
     * loss is at most tau. A bound with no lossless candidate leaves that length unchanged.
     *
     * <p>DESIGN.md writes the WL range as {@code [FL, WL]}; starting it at {@code FL + RB} gives the
     * same result once the results buffer is enforced, with fewer evaluations.
     */
    public static FixedPointFormat pushDown(FixedPointFormat current, InformationLoss loss, AdaptParameters p) {
        int wl = current.wordLength();
        int fl = current.fracLength();
        double tau = p.tau();
        if (p.minFracLength() <= fl) {
            fl = Bisection.smallest(p.minFracLength(), fl,
                    f -> loss.of(FixedPointFormat.signed(wl, f)) <= tau).orElse(fl);
        }
        final int newFl = fl;
        int wlLow = Math.min(Math.max(newFl + p.resultsBuffer(), 1), wl);
        int newWl = Bisection.smallest(wlLow, wl,
                w -> loss.of(FixedPointFormat.signed(w, newFl)) <= tau).orElse(wl);
        return FixedPointFormat.signed(newWl, newFl);
    }

    /** The two push-up step sizes and the one the strategy picks; all 0 when {@code L <= 0}. */
    public record PushUpSteps(int s1, int s2, int step) {}

    /**
     * Push-up step sizes for gradient diversity {@code gd} at fractional length {@code fl}:
     * {@code L = ln(GD) - 1}; if {@code L > 0}, {@code s1 = max(ceil(1/L^2), 1)},
     * {@code s2 = max(min(ceil(32 L^2), 32) - FL, 0)} and the strategy combines them.
     *
     * <p>As published, {@code s1} explodes as GD approaches e from above: under MIN the step is then
     * the small {@code s2}, but under MEAN or MAX (reached when the loss stops falling) it sends FL to
     * its ceiling in one switch.
     */
    public static PushUpSteps pushUpSteps(int fl, double gd, PushUpStrategy strategy) {
        double l = Math.log(gd) - 1.0;
        if (!(l > 0)) {
            return new PushUpSteps(0, 0, 0);
        }
        int s1 = (int) Math.max(Math.min(Math.ceil(1.0 / (l * l)), STEP_CAP), 1);
        int s2 = (int) Math.max(Math.min(Math.ceil(32.0 * l * l), 32.0) - fl, 0);
        return new PushUpSteps(s1, s2, strategy.combine(s1, s2));
    }

    /**
     * Push-up: with {@code s} from {@link #pushUpSteps}, when {@code L > 0}:
     * {@code FL = min(FL + s, 32)}, {@code WL = min(max(WL, FL) + 1, 32)}; then the results buffer.
     * When {@code L <= 0} the format is returned with only the buffer enforced.
     */
    public static FixedPointFormat pushUp(FixedPointFormat current, PushUpSteps steps, double gd, int resultsBuffer) {
        if (!(Math.log(gd) - 1.0 > 0)) {
            return enforceBuffer(current, resultsBuffer);
        }
        int fl = Math.min(current.fracLength() + steps.step(), PUSH_UP_CEILING);
        int wl = Math.min(Math.max(current.wordLength(), fl) + 1, FixedPointFormat.MAX_WORD_LENGTH);
        return enforceBuffer(fl, wl, resultsBuffer);
    }

    /** {@code FL <= 32 - RB}, then {@code WL >= FL + RB} (which then also keeps {@code WL <= 32}). */
    public static FixedPointFormat enforceBuffer(FixedPointFormat f, int resultsBuffer) {
        return enforceBuffer(f.fracLength(), f.wordLength(), resultsBuffer);
    }

    private static FixedPointFormat enforceBuffer(int fl, int wl, int rb) {
        int newFl = Math.min(fl, FixedPointFormat.MAX_WORD_LENGTH - rb);
        int newWl = Math.min(Math.max(wl, Math.max(newFl + rb, 1)), FixedPointFormat.MAX_WORD_LENGTH);
        return FixedPointFormat.signed(newWl, newFl);
    }
}

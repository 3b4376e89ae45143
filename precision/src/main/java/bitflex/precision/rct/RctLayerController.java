package bitflex.precision.rct;

import bitflex.precision.ArrayStats;
import bitflex.precision.PrecisionDecision;
import bitflex.engine.fixed.FixedPointFormat;
import bitflex.precision.format.RangeFormat;

/**
 * RCT/APT state of one layer: bitwidth {@code b}, the format it implies for the current weights,
 * and the running window of update sizes measured in grid steps.
 *
 * <p>Each observed optimizer step adds {@code |Δw_i| / 2^-FL} for every element, {@code Δw} the
 * update the optimizer applied (with momentum {@code lr v}, not {@code lr g}) and FL the one the step
 * ran in. Every {@code K} observed steps, {@code Gavg} (the mean over all elements and steps of the
 * window) moves {@code b} by one bit: up when below {@code Tmin} (updates underflow the grid), down
 * when above {@code Tmax} (the layer learns at a coarser grid too), within {@code [bmin, bmax]}.
 */
public final class RctLayerController {
    private final String layer;
    private final int size;
    private final RctParameters params;
    private int bits;
    private FixedPointFormat format;
    private double updateSum;
    private long updateCount;
    private int windowSteps;

    public RctLayerController(String layer, float[] weights, RctParameters params) {
        this.layer = layer;
        this.size = weights.length;
        this.params = params;
        this.bits = params.initialBits();
        this.format = RangeFormat.forMaxAbs(bits, RangeFormat.maxAbs("RCT layer " + layer + " weights", weights));
    }

    /**
     * Adds one optimizer step's applied update {@code scale * direction} to the window, in grid steps
     * of the format the step ran in: {@code |scale direction_i| / 2^-FL} for every element.
     */
    public void observeUpdate(float[] direction, double scale) {
        if (direction.length != size) {
            throw new IllegalArgumentException("RCT layer " + layer + ": update has " + direction.length
                    + " elements, registered " + size);
        }
        if (Double.isNaN(scale) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("RCT layer " + layer + ": update scale must be finite, got " + scale);
        }
        double perStep = Math.scalb(Math.abs(scale), format.fracLength());
        double sum = ArrayStats.sumAbs("RCT layer " + layer + " update", direction);
        updateSum += sum * perStep;
        updateCount += direction.length;
        windowSteps++;
    }

    /**
     * After the optimizer step: re-derive FL from the updated weights and, when the window holds
     * {@code K} steps, move the bitwidth and return the logged decision (null otherwise).
     */
    public PrecisionDecision afterStep(long step, float[] weights) {
        double maxAbs = RangeFormat.maxAbs("RCT layer " + layer + " weights", weights);
        if (windowSteps < params.window()) {
            format = RangeFormat.forMaxAbs(bits, maxAbs);
            return null;
        }
        FixedPointFormat before = format;
        double gavg = updateSum / updateCount;
        String kind;
        if (gavg < params.minUpdate() && bits < params.maxBits()) {
            bits++;
            kind = "widen";
        } else if (gavg > params.maxUpdate() && bits > params.minBits()) {
            bits--;
            kind = "narrow";
        } else {
            kind = "keep";
        }
        format = RangeFormat.forMaxAbs(bits, maxAbs);
        updateSum = 0;
        updateCount = 0;
        windowSteps = 0;
        return new PrecisionDecision(step, layer, "rct", kind, before, format,
                Double.NaN, Double.NaN, -1, -1, 0, "", gavg);
    }

    static final int STATE_LENGTH = 7;

    /** Bitwidth, format and window as longs (the window's sum as raw double bits). */
    long[] state() {
        return new long[] {bits, format.wordLength(), format.fracLength(), format.signed() ? 1 : 0,
            Double.doubleToRawLongBits(updateSum), updateCount, windowSteps};
    }

    void loadState(long[] s) {
        if (s.length != STATE_LENGTH || s[0] < params.minBits() || s[0] > params.maxBits()) {
            throw new IllegalArgumentException("RCT layer " + layer + ": saved state does not fit (length " + s.length
                    + ", bits " + (s.length > 0 ? s[0] : -1) + ", allowed [" + params.minBits() + ", " + params.maxBits() + "])");
        }
        bits = (int) s[0];
        format = new FixedPointFormat((int) s[1], (int) s[2], s[3] != 0);
        updateSum = Double.longBitsToDouble(s[4]);
        updateCount = s[5];
        windowSteps = (int) s[6];
    }

    public int bits() { return bits; }
    public FixedPointFormat format() { return format; }
    public int size() { return size; }
}

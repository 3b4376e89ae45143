package bitflex.precision.ledger;

import java.util.ArrayList;
import java.util.List;

/**
 * The run-level sums behind a {@link TrainingLedger}, kept in primitive fields so that adding a step
 * allocates nothing once every layer has been seen: per layer, the cost summed over the steps for
 * bitflex and both baselines, and the memory of the step where the layer's bitflex total was
 * largest; for the run, the steps, samples, wall time and the largest step total. Produces the same
 * {@link RunLedger} a {@link Ledger} fed with the same steps would.
 */
final class RunAccumulator {
    /** One layer's sums; obtain with {@link #slot}, in the order layers are to be reported. */
    static final class Slot {
        final String layer;
        final long[] macs = new long[3];
        final double[] bitMacs = new double[3];
        final double[] arithmeticPj = new double[3];
        final double[] memoryPj = new double[3];
        boolean costed;
        MemoryReport peak;
        long peakBytes = -1;
        LayerMemory stepMemory;

        Slot(String layer) {
            this.layer = layer;
        }

        /**
         * Adds one step's cost of this layer, priced dense; {@code density} scales bitflex's
         * bit-weighted MACs only (energy is not reduced by zeros, and the baselines are dense).
         */
        void add(LayerCost c, double density) {
            add(0, c.bitflex(), density);
            add(1, c.fp32(), 1.0);
            add(2, c.qat(), 1.0);
            costed = true;
        }

        private void add(int i, CostFigures f, double density) {
            macs[i] += f.macs();
            bitMacs[i] += f.bitMacs() * density;
            arithmeticPj[i] += f.arithmeticPj();
            memoryPj[i] += f.memoryPj();
        }

        /** This step's memory of the layer (kept by reference: pass an unchanged record again to avoid allocation). */
        void memory(LayerMemory m) {
            stepMemory = m;
            long t = m.totalBytes();
            if (t > peakBytes) {
                peakBytes = t;
                peak = MemoryReport.of(m);
            }
        }

        LayerCost cost() {
            return new LayerCost(layer, figures(0), figures(1), figures(2));
        }

        private CostFigures figures(int i) {
            return new CostFigures(macs[i], bitMacs[i], arithmeticPj[i], memoryPj[i]);
        }
    }

    private final List<Slot> slots = new ArrayList<>();
    private long steps;
    private long samples;
    private long wallNanos;
    private long peakTotalBytes = -1;
    private MemoryReport peakTotal = MemoryReport.empty("total");

    Slot slot(String layer) {
        Slot s = new Slot(layer);
        slots.add(s);
        return s;
    }

    /** Closes a step whose layers all reported their memory. */
    void endStep(long stepSamples, long stepWallNanos) {
        steps++;
        samples += stepSamples;
        wallNanos += stepWallNanos;
        long total = 0;
        for (Slot s : slots) {
            if (s.stepMemory != null) {
                total += s.stepMemory.totalBytes();
            }
        }
        if (total > peakTotalBytes) {
            peakTotalBytes = total;
            MemoryReport t = MemoryReport.empty("total");
            for (Slot s : slots) {
                if (s.stepMemory != null) {
                    t = t.plus(MemoryReport.of(s.stepMemory));
                }
            }
            peakTotal = t;
        }
    }

    RunLedger run() {
        List<LayerCost> layers = new ArrayList<>();
        List<MemoryReport> peaks = new ArrayList<>();
        LayerCost total = LayerCost.zero("total");
        for (Slot s : slots) {
            if (s.costed) {
                LayerCost c = s.cost();
                layers.add(c);
                total = total.plus(c);
            }
            if (s.peak != null) {
                peaks.add(s.peak);
            }
        }
        return new RunLedger(steps, List.copyOf(layers), total, List.copyOf(peaks), peakTotal, samples, wallNanos);
    }
}

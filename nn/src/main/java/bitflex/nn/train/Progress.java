package bitflex.nn.train;

import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Reports training progress: a live progress bar on a terminal, a few plain lines otherwise (logs,
 * pipes, CI), or nothing.
 */
public interface Progress {
    /** An epoch of {@code steps} steps starts. */
    void startEpoch(int epoch, int epochs, int steps);

    /** {@code done} steps of the epoch are done; {@code loss} is the running mean loss. */
    void step(int done, double loss);

    /** The epoch is over. */
    void endEpoch();

    /** Reports nothing. */
    static Progress none() {
        return new Progress() {
            public void startEpoch(int epoch, int epochs, int steps) {}
            public void step(int done, double loss) {}
            public void endEpoch() {}
        };
    }

    /** A bar when {@code System.console()} is a terminal, otherwise plain lines to {@code out}. */
    static Progress auto(PrintStream out) {
        java.io.Console c = System.console();
        return c != null && c.isTerminal() ? new Bar() : new Lines(out, 4);
    }

    /** A plain line every {@code 1/parts} of an epoch. */
    final class Lines implements Progress {
        private final PrintStream out;
        private final int parts;
        private int epoch;
        private int epochs;
        private int steps;
        private int nextReport;
        private long start;

        public Lines(PrintStream out, int parts) {
            this.out = out;
            this.parts = Math.max(1, parts);
        }

        public void startEpoch(int epoch, int epochs, int steps) {
            this.epoch = epoch;
            this.epochs = epochs;
            this.steps = steps;
            this.nextReport = 1;
            this.start = System.nanoTime();
        }

        public void step(int done, double loss) {
            if (steps > 0 && done * (long) parts >= (long) nextReport * steps) {
                while (done * (long) parts >= (long) nextReport * steps) {
                    nextReport++;
                }
                out.printf("epoch %d/%d  step %d/%d  loss %.4f  %.1fs%n", epoch + 1, epochs, done, steps, loss,
                        (System.nanoTime() - start) / 1e9);
            }
        }

        public void endEpoch() {}
    }

    /** A live bar (me.tongfei:progressbar) on the terminal. */
    final class Bar implements Progress {
        private ProgressBar bar;

        public void startEpoch(int epoch, int epochs, int steps) {
            bar = new ProgressBarBuilder().setTaskName("epoch " + (epoch + 1) + "/" + epochs).setInitialMax(steps)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate().build();
        }

        public void step(int done, double loss) {
            bar.stepTo(done);
            bar.setExtraMessage(String.format(" loss %.4f", loss));
        }

        public void endEpoch() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}

package bitflex.bench.cli;

import bitflex.engine.fixed.FixedPointFormat;
import bitflex.engine.fixed.Rounding;
import bitflex.engine.parallel.Parallel;
import bitflex.nn.Module;
import bitflex.nn.checkpoint.Checkpoint;
import bitflex.nn.checkpoint.CheckpointIO;
import bitflex.nn.data.FashionMnist;
import bitflex.nn.layers.CrossEntropyLoss;
import bitflex.nn.models.Models;
import bitflex.nn.optim.Adam;
import bitflex.nn.optim.LrSchedule;
import bitflex.nn.optim.Optimizer;
import bitflex.nn.optim.SGD;
import bitflex.nn.train.KernelWarmup;
import bitflex.nn.train.Progress;
import bitflex.nn.train.TrainResult;
import bitflex.nn.train.Trainer;
import bitflex.bench.report.ReportWriter;
import bitflex.bench.report.RunReport;
import bitflex.precision.adapt.AdaptParameters;
import bitflex.precision.ledger.CostModel;
import bitflex.precision.ledger.EnergyModel;
import bitflex.precision.ledger.TrainingLedger;
import bitflex.precision.rct.RctParameters;
import bitflex.precision.training.FakeQuantTraining;
import bitflex.precision.integer.IntegerOptions;
import bitflex.precision.integer.IntegerTraining;
import bitflex.precision.training.Policies;
import bitflex.precision.training.PrecisionRun;
import bitflex.precision.training.TrainingMode;
import bitflex.nn.train.TrainingListener;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The training run behind {@code bitflex train} and {@code bitflex compare}. */
final class Training {
    /** Settings of one run (all resolved, no defaults left open). */
    record Settings(String model, int epochs, int batch, double lr, double momentum, String optimizer, long seed, int threads,
                    Path data, Path checkpoint, Integer trainSize, String schedule, String mode, String policy, int bits,
                    int gradientBits, double lambda1, Path report, AdaptParameters adapt, RctParameters rct,
                    Map<String, String> extraMetadata, int activationBits) {
        /** A float32 run with no precision policy. */
        Settings(String model, int epochs, int batch, double lr, double momentum, String optimizer, long seed, int threads,
                 Path data, Path checkpoint, Integer trainSize, String schedule) {
            this(model, epochs, batch, lr, momentum, optimizer, seed, threads, data, checkpoint, trainSize, schedule,
                    "float32", null, 8, 0, 0, null, AdaptParameters.defaults(), RctParameters.defaults(), Map.of(), 8);
        }
    }

    /** What a run produced. */
    record Outcome(Settings settings, TrainResult result, double testAccuracy, double testLoss, String dataSource,
                   long parameters, PrecisionRun quant, TrainingLedger ledger, double[] stepEndSeconds) {
        /** The quantized mode of the run, or null for float32. */
        PrecisionRun precisionRun() {
            return quant;
        }

        /** The resolved settings, as {@code report.json} records them. */
        Map<String, Object> settingsMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", settings.model());
            m.put("mode", settings.mode());
            m.put("policy", settings.policy());
            if (quant != null) {
                m.put("bits", settings.bits());
                m.put("gradient_bits", settings.gradientBits());
                if (quant.mode() == TrainingMode.INTEGER) {
                    m.put("activation_bits", settings.activationBits());
                }
                m.put("lambda1", settings.lambda1());
                if ("adapt".equals(settings.policy())) {
                    m.put("adapt_parameters", settings.adapt());
                } else if ("rct".equals(settings.policy())) {
                    m.put("rct_parameters", settings.rct());
                }
            }
            m.put("epochs", settings.epochs());
            m.put("batch", settings.batch());
            m.put("optimizer", settings.optimizer());
            m.put("lr", settings.lr());
            m.put("momentum", settings.momentum());
            m.put("schedule", settings.schedule());
            m.put("seed", settings.seed());
            m.put("threads", settings.threads());
            m.put("train_size", settings.trainSize() == null ? "all" : settings.trainSize().toString());
            m.put("parameters", parameters);
            return m;
        }

        /** Writes {@code report.json}, {@code report.md} and the charts into {@code dir}. */
        void writeReport(Path dir) throws IOException {
            ReportWriter.write(dir, RunReport.build(settingsMap(), dataSource, result, testAccuracy, testLoss, ledger,
                    precisionRun()));
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("framework", "bitflex");
            m.put("model", settings.model());
            m.put("epochs", settings.epochs());
            m.put("batch", settings.batch());
            m.put("threads", settings.threads());
            m.put("seed", settings.seed());
            m.put("optimizer", settings.optimizer());
            m.put("lr", settings.lr());
            m.put("momentum", settings.momentum());
            m.put("schedule", settings.schedule());
            m.put("mode", settings.mode());
            m.put("policy", settings.policy());
            if (quant != null) {
                m.put("gradient_bits", settings.gradientBits());
                if (quant.mode() == TrainingMode.INTEGER) {
                    m.put("activation_bits", settings.activationBits());
                }
                m.put("lambda1", settings.lambda1());
                m.put("layers", quant.layers().stream().map(l -> {
                    FixedPointFormat f = quant.weightFormat(l);
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("layer", l);
                    row.put("word_length", f.wordLength());
                    row.put("frac_length", f.fracLength());
                    if (quant.mode() == TrainingMode.INTEGER) {
                        row.put("activation_format", formatJson(quant.activationFormat(l)));
                        row.put("gradient_format", formatJson(quant.gradientFormat(l)));
                        row.put("weight_bytes", quant.weightBytes(l));
                        row.put("master_copy_bytes", quant.masterCopyBytes(l));
                    }
                    row.put("decisions", decisions(quant, l, false));
                    row.put("format_changes", decisions(quant, l, true));
                    return row;
                }).toList());
            }
            m.put("parameters", parameters);
            m.put("samples_per_s", result.samplesPerSecond());
            m.put("wall_s", result.trainSeconds());
            // each epoch's own rate, as the PyTorch peer reports it: the first one includes JIT warm-up
            m.put("epoch_samples_per_s", result.epochs().stream().map(e -> e.samplesPerSecond()).toList());
            // when each step of this run ended, in seconds since training started: where the JIT's warm-up goes
            m.put("step_end_s", stepEndSeconds);
            m.put("test_acc", testAccuracy);
            m.put("test_loss", testLoss);
            m.put("train_loss", result.last() == null ? Double.NaN : result.last().trainLoss());
            m.put("gc_count", result.epochs().stream().mapToLong(e -> e.gcCount()).sum());
            m.put("gc_ms", result.epochs().stream().mapToLong(e -> e.gcMillis()).sum());
            m.put("data", dataSource);
            m.put("jdk", Runtime.version().toString());
            m.put("per_epoch", result.epochs().stream().map(e -> Map.of("epoch", e.epoch() + 1, "train_loss", e.trainLoss(),
                    "test_acc", e.testAccuracy(), "samples_per_s", e.samplesPerSecond(), "wall_s", e.trainSeconds())).toList());
            return m;
        }
    }

    private Training() {}

    /** The policy's decisions for {@code layer} after its initial format, all or only those that changed it. */
    static long decisions(PrecisionRun q, String layer, boolean changedOnly) {
        return q.policy().decisions().stream().filter(d -> d.layer().equals(layer) && !d.kind().equals("initial")
                && (!changedOnly || d.changed())).count();
    }

    /** Prints the per-layer table of a fake-quant run: final format and number of format changes. */
    static void printLayers(PrecisionRun q, PrintStream out) {
        int w = Math.max(5, q.layers().stream().mapToInt(String::length).max().orElse(5));
        out.printf("%-" + w + "s  %-12s  %9s  %7s%n", "layer", "final format", "decisions", "changes");
        for (String l : q.layers()) {
            FixedPointFormat f = q.weightFormat(l);
            out.printf("%-" + w + "s  %-12s  %9d  %7d%n", l, "WL " + f.wordLength() + " FL " + f.fracLength(),
                    decisions(q, l, false), decisions(q, l, true));
        }
    }

    static Optimizer optimizer(String name, Module model, double lr, double momentum) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sgd" -> new SGD(model.parameters(), lr, momentum);
            case "adam" -> new Adam(model.parameters(), lr);
            default -> throw new IllegalArgumentException("--optimizer must be sgd or adam, got '" + name + "'");
        };
    }

    /** Trains as {@code s} says, optionally resuming from {@code resume}; progress and notes go to {@code out}. */
    static Outcome run(Settings s, Checkpoint resume, PrintStream out, boolean showProgress) throws IOException {
        if (s.threads() < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + s.threads());
        }
        Parallel.setThreads(s.threads());
        // float32 only: the other modes train through other kernels, so there the pass would only delay them
        KernelWarmup warmup = s.mode().equals("float32")
                ? KernelWarmup.start(Models.create(s.model(), s.seed()), new CrossEntropyLoss(), FashionMnist.CLASSES, 8,
                        1, 28, 28)
                : null;
        FashionMnist.Splits data = FashionMnist.load(s.data());
        if (warmup != null) {
            warmup.join();
        }
        if (data.note() != null) {
            out.println(data.note());
        }
        bitflex.nn.data.Dataset train = data.train();
        if (s.trainSize() != null && s.trainSize() < train.size()) {
            train = train.head(s.trainSize());
        }
        // The epoch length, the shuffle and the schedule all follow from the training set, so a
        // resumed run must see the same one (the bundled subset and the full set differ, say).
        String trainSamples = Integer.toString(train.size());
        if (resume != null && resume.has("meta.train_samples") && !resume.string("meta.train_samples").equals(trainSamples)) {
            throw new IllegalArgumentException("--resume: the checkpoint was trained on " + resume.string("meta.train_samples")
                    + " training images, this run has " + trainSamples + " (" + data.source()
                    + "); resume with the same --data and --train-size");
        }
        Module model = Models.create(s.model(), s.seed());
        PrecisionRun quant = null;
        switch (s.mode()) {
            case "float32" -> { }
            case "fake-quant" -> quant = new FakeQuantTraining(model, Policies.create(s.policy(), s.bits(), model, s.adapt(), s.rct()),
                    Rounding.NEAREST_EVEN, s.seed(), s.gradientBits(), s.lambda1());
            case "integer" -> {
                IntegerTraining it = new IntegerTraining(model, Policies.create(s.policy(), s.bits(), model, s.adapt(), s.rct()),
                        IntegerOptions.defaults(s.seed()).withActivationBits(s.activationBits())
                                .withGradientBits(s.gradientBits()).withMomentum(s.momentum()).withLambda1(s.lambda1()));
                model = it.model(); // the float model is dropped: its weights live on only as integers
                quant = it;
            }
            default -> throw new IllegalArgumentException("--mode must be float32, fake-quant or integer, got '" + s.mode() + "'");
        }
        // In integer mode the optimizer sees only the float parameters that remain (batch norm's).
        Optimizer opt = optimizer(s.optimizer(), model, s.lr(), s.momentum());
        Trainer trainer = new Trainer(model, opt, new CrossEntropyLoss(), new Trainer.Config(s.epochs(), s.batch(), s.seed()))
                .putMetadata("model", s.model()).putMetadata("optimizer", s.optimizer())
                .putMetadata("lr", Double.toString(s.lr())).putMetadata("momentum", Double.toString(s.momentum()))
                .putMetadata("seed", Long.toString(s.seed())).putMetadata("batch", Integer.toString(s.batch()))
                .putMetadata("schedule", s.schedule())
                .putMetadata("train_size", s.trainSize() == null ? "all" : s.trainSize().toString())
                .putMetadata("train_samples", trainSamples)
                .putMetadata("mode", s.mode())
                .setCheckpointPath(s.checkpoint())
                .setProgress(showProgress ? Progress.auto(out) : Progress.none());
        if (quant != null) {
            trainer.putMetadata("policy", s.policy()).putMetadata("bits", Integer.toString(s.bits()))
                    .putMetadata("grad_bits", Integer.toString(s.gradientBits()))
                    .putMetadata("lambda1", Double.toString(s.lambda1()));
            s.extraMetadata().forEach(trainer::putMetadata);
            if (quant.mode() == TrainingMode.INTEGER) {
                trainer.putMetadata("act_bits", Integer.toString(s.activationBits()));
            }
            // before restore: the trainer hands the listener its saved masters and policy state
            trainer.addListener((TrainingListener) quant);
        }
        long totalSteps = (long) s.epochs() * ((train.size() + s.batch() - 1) / s.batch());
        switch (s.schedule()) {
            case "cosine" -> trainer.setSchedule(LrSchedule.cosine(totalSteps, 0));
            case "step" -> trainer.setSchedule(LrSchedule.step(Math.max(1, (totalSteps + 2) / 3), 0.1));
            default -> { }
        }
        if (resume != null) {
            trainer.restore(resume);
            if (trainer.epoch() >= s.epochs()) {
                out.printf("the checkpoint has already trained %d epoch%s; pass --epochs N to train more%n", trainer.epoch(),
                        trainer.epoch() == 1 ? "" : "s");
            } else {
                out.printf("resuming at epoch %d of %d (step %d)%n", trainer.epoch() + 1, s.epochs(), trainer.step());
            }
        }
        // Added after the mode's listener, so it reads the formats the mode put in place for each step.
        TrainingLedger ledger = s.report() == null ? null : new TrainingLedger(model, opt, quant,
                new CostModel(EnergyModel.horowitz45nm()), (int) Math.max(1, Math.min(50, totalSteps / 100)));
        if (ledger != null) {
            trainer.addListener(ledger);
        }
        if (showProgress) {
            trainer.addListener(new bitflex.nn.train.TrainingListener() {
                @Override
                public void afterEpoch(bitflex.nn.train.EpochResult r) {
                    out.println(r.toString().replace("epoch " + (r.epoch() + 1), "epoch " + (r.epoch() + 1) + "/" + s.epochs()));
                }
            });
        }
        // one entry per step, preallocated so the record does not allocate on the step path
        long[] stepEnds = new long[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(0, totalSteps))];
        int[] steps = {0};
        long[] fitStart = {0};
        trainer.addListener(new TrainingListener() {
            @Override
            public void afterStep(bitflex.nn.train.StepInfo step) {
                if (steps[0] < stepEnds.length) {
                    stepEnds[steps[0]++] = System.nanoTime() - fitStart[0];
                }
            }
        });
        fitStart[0] = System.nanoTime();
        TrainResult r = trainer.fit(train, data.test());
        double[] stepEndSeconds = new double[steps[0]];
        for (int i = 0; i < stepEndSeconds.length; i++) {
            stepEndSeconds[i] = stepEnds[i] / 1e9;
        }
        double acc;
        double loss;
        if (r.last() != null) {
            acc = r.last().testAccuracy();
            loss = r.last().testLoss();
        } else {
            var ev = Trainer.evaluate(model, new CrossEntropyLoss(), data.test(), 1000);
            acc = ev.accuracy();
            loss = ev.loss();
        }
        if (ledger != null) {
            ledger.close();
        }
        long parameters = model.parameterCount() + (quant instanceof IntegerTraining it ? it.integerParameterCount() : 0);
        return new Outcome(s, r, acc, loss, data.source(), parameters, quant, ledger, stepEndSeconds);
    }

    private static Map<String, Object> formatJson(FixedPointFormat f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("word_length", f.wordLength());
        m.put("frac_length", f.fracLength());
        return m;
    }

    /** Reads a checkpoint for {@code --resume}. */
    static Checkpoint readCheckpoint(Path p) throws IOException {
        return CheckpointIO.read(p);
    }
}

package bitflex.bench.cli;

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
import bitflex.nn.train.Progress;
import bitflex.nn.train.TrainResult;
import bitflex.nn.train.Trainer;
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
                    Path data, Path checkpoint, Integer trainSize, String schedule) {}

    /** What a run produced. */
    record Outcome(Settings settings, TrainResult result, double testAccuracy, double testLoss, String dataSource,
                   long parameters) {
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
            m.put("parameters", parameters);
            m.put("samples_per_s", result.samplesPerSecond());
            m.put("wall_s", result.trainSeconds());
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
        FashionMnist.Splits data = FashionMnist.load(s.data());
        if (data.note() != null) {
            out.println(data.note());
        }
        bitflex.nn.data.Dataset train = data.train();
        if (s.trainSize() != null && s.trainSize() < train.size()) {
            train = train.head(s.trainSize());
        }
        Module model = Models.create(s.model(), s.seed());
        Optimizer opt = optimizer(s.optimizer(), model, s.lr(), s.momentum());
        Trainer trainer = new Trainer(model, opt, new CrossEntropyLoss(), new Trainer.Config(s.epochs(), s.batch(), s.seed()))
                .putMetadata("model", s.model()).putMetadata("optimizer", s.optimizer())
                .putMetadata("lr", Double.toString(s.lr())).putMetadata("momentum", Double.toString(s.momentum()))
                .putMetadata("seed", Long.toString(s.seed())).putMetadata("batch", Integer.toString(s.batch()))
                .putMetadata("schedule", s.schedule())
                .setCheckpointPath(s.checkpoint())
                .setProgress(showProgress ? Progress.auto(out) : Progress.none());
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
        if (showProgress) {
            trainer.addListener(new bitflex.nn.train.TrainingListener() {
                @Override
                public void afterEpoch(bitflex.nn.train.EpochResult r) {
                    out.println(r.toString().replace("epoch " + (r.epoch() + 1), "epoch " + (r.epoch() + 1) + "/" + s.epochs()));
                }
            });
        }
        TrainResult r = trainer.fit(train, data.test());
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
        return new Outcome(s, r, acc, loss, data.source(), model.parameterCount());
    }

    /** Reads a checkpoint for {@code --resume}. */
    static Checkpoint readCheckpoint(Path p) throws IOException {
        return CheckpointIO.read(p);
    }
}
